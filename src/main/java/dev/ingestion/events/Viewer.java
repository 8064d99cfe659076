package dev.ingestion.events;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.ingestion.access.Caller;

/**
 * One open stream. Frames wait in a short queue of its own and are written on a thread of their
 * own while there are any, so a viewer on a slow network (or one that stopped reading) holds up
 * nobody else; one that falls this far behind is closed (a client reconnects and starts from the
 * queue as it is then).
 */
final class Viewer {

    static final int MOST_WAITING = 256;

    private final SseEmitter emitter;
    private final Caller caller;
    private final ArrayDeque<Frame> waiting = new ArrayDeque<>();
    private boolean writing;
    private boolean closed;
    private boolean finishing;

    Viewer(SseEmitter emitter, Caller caller) {
        this.emitter = emitter;
        this.caller = caller;
    }

    Caller caller() {
        return caller;
    }

    void onClose(Runnable action) {
        emitter.onCompletion(action);
        emitter.onError(error -> action.run());
        emitter.onTimeout(action);
    }

    void offer(Frame frame, Executor writers) {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (waiting.size() >= MOST_WAITING) {
                closed = true;
                waiting.clear();
            } else {
                waiting.add(frame);
                if (writing) {
                    return;
                }
                writing = true;
            }
        }
        if (closed) {
            emitter.complete();
            return;
        }
        try {
            writers.execute(this::write);
        } catch (RejectedExecutionException busy) {
            // Every writer is busy (a heartbeat to a thousand streams at once, or clients that do
            // not read): the frame waits in this viewer's queue and the next offer, an event or
            // the next heartbeat, tries again. Only a viewer that falls MOST_WAITING behind goes.
            synchronized (this) {
                writing = false;
            }
        }
    }

    private void write() {
        while (true) {
            Frame frame;
            synchronized (this) {
                frame = waiting.poll();
                if (frame == null || closed) {
                    writing = false;
                    if (finishing && !closed) {
                        break;
                    }
                    return;
                }
            }
            try {
                emitter.send(frame.builder());
            } catch (IOException | IllegalStateException gone) {
                close();
                return;
            }
        }
        close();
    }

    /** Closes the stream once what waits has been written. */
    void finish() {
        synchronized (this) {
            finishing = true;
            if (writing) {
                return;
            }
        }
        close();
    }

    void close() {
        synchronized (this) {
            closed = true;
            waiting.clear();
        }
        try {
            emitter.complete();
        } catch (IllegalStateException alreadyDone) {
            // completed by the container first
        }
    }
}
