package dev.ingestion.admin;

import java.util.Map;

import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.Arrivals;
import dev.ingestion.store.QueueStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Operator actions on the whole deployment. Pausing stops every claim on every instance (retries
 * and re-runs too) while ingest goes on; batches already running finish. The state lives in the
 * store beside the rate limiter, so it holds across restarts.
 */
@RestController
@Tag(name = "Queue")
class QueueAdminController {

    private final QueueStore store;
    private final Arrivals arrivals;

    QueueAdminController(QueueStore store, Arrivals arrivals) {
        this.store = store;
        this.arrivals = arrivals;
    }

    @Operation(summary = "Pause dispatch on every instance (an admin key's action when keys are on)")
    @PostMapping("/queue/pause")
    Map<String, Boolean> pause(HttpServletRequest request) {
        Caller.of(request).requireAdmin();
        store.pause(true);
        return Map.of("paused", true);
    }

    @Operation(summary = "Resume dispatch on every instance (an admin key's action when keys are on)")
    @PostMapping("/queue/resume")
    Map<String, Boolean> resume(HttpServletRequest request) {
        Caller.of(request).requireAdmin();
        store.pause(false);
        // this instance claims at once; the others at their next idle look (a second at most)
        arrivals.workArrived();
        return Map.of("paused", false);
    }
}
