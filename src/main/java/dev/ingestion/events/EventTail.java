package dev.ingestion.events;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import dev.ingestion.store.EventLog;

/**
 * Follows the deployment's event log by log_seq. A sequence number is taken when a row is
 * written, not when its transaction commits, so on PostgreSQL a later number can commit first:
 * reading past the highest seen would skip the earlier one for good. So the tail reads from the
 * highest number below which it has seen every row, skips what it already delivered, and waits a
 * while for a missing number before taking it for one whose transaction rolled back.
 */
public final class EventTail {

    /** The log as the tail reads it. */
    public interface Source {
        List<EventLog.Event> after(long logSeq, int limit);
    }

    static final int READ_AT_ONCE = 1000;

    private final Source source;
    private final Clock clock;
    private final Duration gapWait;
    /** Every row up to here has been delivered or given up on. */
    private long complete;
    /** Rows delivered above {@link #complete}. */
    private final TreeSet<Long> delivered = new TreeSet<>();

    private Instant gapSeen;

    EventTail(Source source, long start, Clock clock, Duration gapWait) {
        this.source = source;
        this.complete = start;
        this.clock = clock;
        this.gapWait = gapWait;
    }

    /** The rows committed since the last poll, each once. */
    List<EventLog.Event> poll() {
        List<EventLog.Event> fresh = new ArrayList<>();
        for (EventLog.Event event : source.after(complete, READ_AT_ONCE)) {
            if (delivered.add(event.logSeq())) {
                fresh.add(event);
            }
        }
        advance();
        return fresh;
    }

    private void advance() {
        while (!delivered.isEmpty()) {
            if (delivered.first() == complete + 1) {
                complete = delivered.pollFirst();
                gapSeen = null;
                continue;
            }
            Instant now = clock.instant();
            if (gapSeen == null) {
                gapSeen = now;
                return;
            }
            if (Duration.between(gapSeen, now).compareTo(gapWait) < 0) {
                return;
            }
            // long enough for any commit: the missing numbers belong to transactions rolled back
            complete = delivered.first() - 1;
            gapSeen = null;
        }
    }

    /** For tests: where the tail reads from. */
    long complete() {
        return complete;
    }
}
