package dev.ingestion.status;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.BatchState;
import dev.ingestion.queue.Fairness;
import dev.ingestion.queue.Priority;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.settings.IngestSettings;
import dev.ingestion.store.Ahead;
import dev.ingestion.store.IngestionList;
import dev.ingestion.store.QueueReads;
import dev.ingestion.upstream.Upstream;
import dev.ingestion.web.ApiException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code GET /ingestions}: newest first, filtered, a page at a time. The cursor is where the last
 * page ended, not an offset, so a page reads its own rows only and new ingestions never shift
 * the next page. A key sees its own ingestions; an admin key (or anyone, with keys off) all.
 */
@RestController
@Tag(name = "Status")
class IngestionsController {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 200;

    private final IngestionList list;
    private final QueueReads reads;
    private final RateLimit rate;
    private final Upstream upstream;
    private final Clock clock;
    private final Fairness fairness;

    IngestionsController(
            IngestionList list,
            QueueReads reads,
            RateLimit rate,
            Upstream upstream,
            Clock clock,
            IngestSettings settings) {
        this.fairness = settings.fairShare();
        this.list = list;
        this.reads = reads;
        this.rate = rate;
        this.upstream = upstream;
        this.clock = clock;
    }

    /** The answer as the API docs show it. */
    record Page(List<Item> ingestions, String next) {}

    record Item(
            String ingestion_id,
            String priority,
            String status,
            String created_at,
            int ids,
            Batches batches,
            long failed_ids,
            String estimated_completion) {}

    record Batches(int total, int yet_to_start, int triggered, int completed) {}

    @Operation(summary = "Ingestions, newest first; filter by status and priority; page with the cursor in next")
    @GetMapping(value = "/ingestions", produces = MediaType.APPLICATION_JSON_VALUE)
    Page ingestions(
            @Parameter(description = "yet_to_start, triggered or completed") @RequestParam(required = false)
                    String status,
            @Parameter(description = "HIGH, MEDIUM or LOW") @RequestParam(required = false) String priority,
            @Parameter(description = "1 to " + MAX_LIMIT) @RequestParam(defaultValue = "" + DEFAULT_LIMIT) String limit,
            @Parameter(description = "the next of the previous page") @RequestParam(required = false) String after,
            HttpServletRequest request) {
        Caller caller = Caller.of(request);
        IngestionList.Filter filter = new IngestionList.Filter(
                status == null ? null : state(status),
                priority == null ? null : priority(priority),
                caller.admin() ? null : caller.name(),
                after == null ? null : cursor(after),
                limit(limit) + 1);
        List<IngestionList.Entry> entries = list.page(filter);
        boolean more = entries.size() == filter.limit();
        if (more) {
            entries = entries.subList(0, filter.limit() - 1);
        }
        Instant now = clock.instant();
        boolean anyWaiting = entries.stream().anyMatch(e -> e.nextBatch() < e.batchCount());
        Ahead ahead = anyWaiting ? reads.ahead(now) : null;
        RateLimit.State limiter = anyWaiting ? reads.rateLimiter(rate) : null;
        List<Item> items = new ArrayList<>(entries.size());
        // With fair share a page gives each entry the round's bound (every other ingestion or key of
        // its priority ahead, a round between its batches): one count per priority, not per entry.
        Map<Priority, Long> rounds = new EnumMap<>(Priority.class);
        for (IngestionList.Entry entry : entries) {
            int waiting = entry.batchCount() - entry.nextBatch();
            Schedule schedule = null;
            if (waiting > 0) {
                long before;
                long stride = 1;
                if (fairness.on()) {
                    stride = rounds.computeIfAbsent(
                            entry.priority(), of -> Math.max(1, reads.waitingUnits(of, fairness)));
                    before = ahead.aheadOfEveryTurn(entry.priority()) + stride - 1;
                } else {
                    before = ahead.batchesAhead(
                            entry.priority(), entry.seq(), entry.enqueuedBefore(), entry.nextBatch());
                }
                schedule = Schedule.of(rate, limiter, now, before, stride, upstream.expectedLatency());
            }
            Instant completion =
                    Schedule.completion(schedule, waiting, entry.lastRunningStart(), upstream.expectedLatency(), now);
            items.add(new Item(
                    entry.id().toString(),
                    entry.priority().name(),
                    entry.state().label(),
                    Timestamps.format(entry.createdAt()),
                    entry.idCount(),
                    new Batches(
                            entry.batchCount(),
                            waiting,
                            entry.nextBatch() - entry.completedBatches(),
                            entry.completedBatches()),
                    entry.failedIds(),
                    completion == null ? null : Timestamps.format(completion)));
        }
        String next = more ? encode(entries.get(entries.size() - 1).seq()) : null;
        return new Page(items, next);
    }

    private static BatchState state(String status) {
        try {
            return BatchState.ofLabel(status);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(Map.of("status", "must be one of yet_to_start, triggered, completed"));
        }
    }

    private static Priority priority(String priority) {
        try {
            return Priority.valueOf(priority.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(Map.of("priority", "must be one of HIGH, MEDIUM, LOW"));
        }
    }

    private static int limit(String limit) {
        try {
            int value = Integer.parseInt(limit);
            if (value >= 1 && value <= MAX_LIMIT) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.invalid(Map.of("limit", "must be an integer from 1 to " + MAX_LIMIT));
    }

    /** Opaque to clients, so that what it holds may change; today the last entry's sequence number. */
    private static String encode(long seq) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("s" + seq).getBytes(StandardCharsets.US_ASCII));
    }

    private static long cursor(String after) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(after), StandardCharsets.US_ASCII);
            if (decoded.startsWith("s")) {
                return Long.parseLong(decoded.substring(1));
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw ApiException.invalid(Map.of("after", "must be the next of a previous page"));
    }
}
