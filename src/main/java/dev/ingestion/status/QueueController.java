package dev.ingestion.status;

import java.time.Clock;

import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.ingestion.access.Caller;
import dev.ingestion.queue.RateLimit;
import dev.ingestion.store.QueueTotals;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;

/**
 * {@code GET /queue}: the whole deployment's queue at a glance. Totals only, no ingestion's
 * details, so every key may read it.
 */
@RestController
@Tag(name = "Queue")
class QueueController {

    private final QueueTotals totals;
    private final RateLimit rate;
    private final Clock clock;

    QueueController(QueueTotals totals, RateLimit rate, Clock clock) {
        this.totals = totals;
        this.rate = rate;
        this.clock = clock;
    }

    @Operation(
            summary = "The queue at a glance: waiting work per priority, batches running, the rate in force, "
                    + "the next slot, recent starts and failures, paused or not")
    @GetMapping(value = "/queue", produces = MediaType.APPLICATION_JSON_VALUE)
    QueueView queue(HttpServletRequest request) {
        Caller.of(request);
        return QueueView.of(totals.read(rate, clock.instant()), rate);
    }
}
