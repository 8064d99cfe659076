package dev.ingestion.events;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

import com.fasterxml.jackson.annotation.JsonInclude;

import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Priority;
import dev.ingestion.status.QueueView;
import dev.ingestion.status.Timestamps;
import dev.ingestion.store.EventLog;
import tools.jackson.databind.json.JsonMapper;

/**
 * One producer of the live stream for every viewer of this instance: a single tail of the
 * deployment's event log and a single read of the queue's totals per tick, whatever the number of
 * viewers, so the store's load does not grow with them. Each event is written out once and handed
 * to every viewer allowed to see it; a viewer too slow to take its events is dropped rather than
 * let hold the others back. It stops before the web server's graceful shutdown (a higher phase
 * stops first), closing every stream: an open stream is a request in flight, which the web server
 * would otherwise wait for until its shutdown timed out.
 */
public final class EventHub implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(EventHub.class);

    /** How often the log is read while someone watches. */
    static final Duration TICK = Duration.ofMillis(200);
    /** The totals are read after events, and at least this often; never more often than a tick. */
    static final Duration SUMMARY_EVERY = Duration.ofSeconds(1);
    /** A missing log number is waited for this long before it is taken for a rolled-back one. */
    static final Duration GAP_WAIT = Duration.ofSeconds(2);
    /** Viewers being written to at once; a stuck one holds its thread until Tomcat's write timeout. */
    static final int MOST_WRITERS = 256;
    /** Keeps proxies from closing a quiet stream, and finds viewers that are gone. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    /** The event log as the hub reads it. */
    public interface Log {
        /** The deployment's events after {@code logSeq}, in log order: {@link EventLog#after}. */
        List<EventLog.Event> after(long logSeq, int limit);

        /** Where the log ends now: {@link EventLog#head}. */
        long head();

        /** One ingestion's events after its {@code seq}-th: {@link EventLog#ofIngestion}. */
        List<EventLog.Event> ofIngestion(UUID ingestionId, int seq);

        /** The store's event log; tests give the hub one of their own. */
        static Log of(EventLog log) {
            return new Log() {
                @Override
                public List<EventLog.Event> after(long logSeq, int limit) {
                    return log.after(logSeq, limit);
                }

                @Override
                public long head() {
                    return log.head();
                }

                @Override
                public List<EventLog.Event> ofIngestion(UUID ingestionId, int seq) {
                    return log.ofIngestion(ingestionId, seq);
                }
            };
        }
    }

    /** A stream of one ingestion reads the store at least this often, whatever the tail saw. */
    static final Duration STREAM_READ_EVERY = Duration.ofSeconds(5);

    private final Log events;
    private final Map<UUID, Set<IngestionStream>> streams = new ConcurrentHashMap<>();
    private final Supplier<QueueView> queue;
    private final Clock clock;
    private final Set<Viewer> viewers = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService ticks;
    private final ExecutorService writers;
    private volatile boolean running;
    private EventTail tail;
    private String lastQueue;
    private Instant queueReadAt = Instant.MIN;
    private Instant heartbeatAt = Instant.MIN;

    public EventHub(Log log, Supplier<QueueView> queue, Clock clock) {
        this.events = log;
        this.queue = queue;
        this.clock = clock;
        this.ticks = Executors.newSingleThreadScheduledExecutor(daemon("event-hub"));
        // A write to a client whose socket buffer is full blocks until Tomcat gives up on it: each
        // viewer's writes get a thread of their own while they last, so one stuck client holds one
        // thread, never the others' writes. Past the bound, a viewer is dropped instead.
        this.writers = new ThreadPoolExecutor(
                0, MOST_WRITERS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), daemon("event-writer"));
    }

    @Override
    public void start() {
        ticks.scheduleWithFixedDelay(this::tickSafely, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        running = true;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    Executor writers() {
        return writers;
    }

    /** A new viewer gets the queue as it is now, then every change. */
    void subscribe(Viewer viewer) {
        viewers.add(viewer);
        viewer.onClose(() -> viewers.remove(viewer));
        String current = lastQueue != null ? lastQueue : json(queue.get());
        viewer.offer(Frame.event("queue", current), writers);
    }

    int viewers() {
        return viewers.size();
    }

    /**
     * A new stream of one ingestion: what the store holds after the client's last event first,
     * then each event as it comes. The tail is started before that first read, so an event
     * committed after it is one the tail sees.
     */
    void follow(IngestionStream stream) {
        synchronized (this) {
            startTail();
            streams.computeIfAbsent(stream.ingestionId(), id -> ConcurrentHashMap.newKeySet())
                    .add(stream);
        }
        stream.viewer().onClose(() -> unfollow(stream));
        // The answer's head goes out with the first frame: without this one, a client following an
        // ingestion that has not started yet saw no response at all until the first heartbeat.
        stream.viewer().offer(Frame.comment("following"), writers);
        stream.catchUp(events, clock.instant(), writers);
        if (stream.done()) {
            unfollow(stream);
        }
    }

    private void unfollow(IngestionStream stream) {
        streams.computeIfPresent(stream.ingestionId(), (id, set) -> {
            set.remove(stream);
            return set.isEmpty() ? null : set;
        });
    }

    private void startTail() {
        if (tail == null) {
            tail = new EventTail(events::after, events.head(), clock, GAP_WAIT);
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException e) {
            // the store may be away for a while: the viewers wait, the next tick tries again
            logger.warn("event stream: {}", e.getMessage());
        }
    }

    synchronized void tick() {
        if (viewers.isEmpty() && streams.isEmpty()) {
            tail = null; // nobody watches: read nothing, and start from the head when someone does
            lastQueue = null;
            return;
        }
        startTail();
        List<EventLog.Event> fresh = tail.poll();
        Instant now = clock.instant();
        for (EventLog.Event event : fresh) {
            streams.getOrDefault(event.ingestionId(), Set.of()).forEach(stream -> stream.catchUp(events, now, writers));
        }
        for (Set<IngestionStream> ofOne : streams.values()) {
            for (IngestionStream stream : ofOne) {
                if (!now.isBefore(stream.readAt().plus(STREAM_READ_EVERY))) {
                    stream.catchUp(events, now, writers);
                }
                if (stream.done()) {
                    unfollow(stream);
                }
            }
        }
        for (EventLog.Event event : fresh) {
            Frame frame = Frame.event(
                    event.kind() == EventKind.INGESTION_COMPLETED ? "ingestion" : "batch", json(new BatchEvent(event)));
            for (Viewer viewer : viewers) {
                if (viewer.caller().canSee(event.owner())) {
                    viewer.offer(frame, writers);
                }
            }
        }
        if (!viewers.isEmpty() && (!fresh.isEmpty() || !now.isBefore(queueReadAt.plus(SUMMARY_EVERY)))) {
            queueReadAt = now;
            String current = json(queue.get());
            if (!current.equals(lastQueue)) {
                lastQueue = current;
                broadcast(Frame.event("queue", current));
            }
        }
        if (!now.isBefore(heartbeatAt.plus(HEARTBEAT))) {
            heartbeatAt = now;
            heartbeat();
        }
    }

    private void broadcast(Frame frame) {
        viewers.forEach(viewer -> viewer.offer(frame, writers));
    }

    private void heartbeat() {
        Frame beat = Frame.comment("heartbeat");
        broadcast(beat);
        streams.values()
                .forEach(ofOne -> ofOne.forEach(stream -> stream.viewer().offer(beat, writers)));
    }

    /**
     * A batch's or an ingestion's event as the stream shows it; a completed batch also says how
     * many of its ids were fetched and how many failed for good.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BatchEvent(
            String ingestion_id,
            int seq,
            String kind,
            Integer batch_index,
            Integer attempt,
            Priority priority,
            String at,
            Integer fetched,
            Integer failed) {

        BatchEvent(EventLog.Event event) {
            this(
                    event.ingestionId().toString(),
                    event.seq(),
                    event.kind().label().substring(event.kind().label().indexOf('.') + 1),
                    event.batchIndex(),
                    event.attempt(),
                    event.priority(),
                    Timestamps.format(event.at()),
                    event.idCount() == null ? null : event.idCount() - event.failedIds(),
                    event.failedIds());
        }
    }

    static String json(Object value) {
        return JsonMapper.shared().writeValueAsString(Objects.requireNonNull(value));
    }

    @Override
    public void stop() {
        running = false;
        ticks.shutdownNow();
        viewers.forEach(Viewer::close);
        streams.values()
                .forEach(ofOne -> ofOne.forEach(stream -> stream.viewer().close()));
        writers.shutdown();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
