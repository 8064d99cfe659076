package dev.ingestion.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import org.junit.jupiter.api.Test;

import dev.ingestion.access.Caller;

class ViewerTest {

    private static final Executor EVERY_WRITER_BUSY = task -> {
        throw new RejectedExecutionException("busy");
    };
    private static final Executor A_FREE_WRITER = Runnable::run;

    @Test
    void framesOfferedWhileEveryWriterIsBusyWaitAndGoOutWithTheNextOffer() {
        EventHubTest.Counting client = new EventHubTest.Counting();
        Viewer viewer = new Viewer(client, Caller.OPEN);

        viewer.offer(Frame.comment("one"), EVERY_WRITER_BUSY);
        viewer.offer(Frame.comment("two"), EVERY_WRITER_BUSY);
        assertThat(client.sent.get()).isZero();

        viewer.offer(Frame.comment("three"), A_FREE_WRITER);

        assertThat(client.sent.get())
                .as("all three, none dropped, the stream still open")
                .isEqualTo(3);
    }

    @Test
    void aViewerThatFallsTooFarBehindIsClosedAndGetsNothingMore() {
        EventHubTest.Counting client = new EventHubTest.Counting();
        Viewer viewer = new Viewer(client, Caller.OPEN);

        for (int i = 0; i <= Viewer.MOST_WAITING; i++) {
            viewer.offer(Frame.comment("frame " + i), EVERY_WRITER_BUSY);
        }
        viewer.offer(Frame.comment("late"), A_FREE_WRITER);

        assertThat(client.sent.get()).isZero();
    }
}
