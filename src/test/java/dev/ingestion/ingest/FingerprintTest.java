package dev.ingestion.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.ingestion.queue.EventKind;
import dev.ingestion.queue.Priority;

class FingerprintTest {

    static final IngestRequestParser.IngestRequest REQUEST = request(new int[] {1, 2, 3}, Priority.HIGH);

    private static IngestRequestParser.IngestRequest request(int[] ids, Priority priority) {
        return new IngestRequestParser.IngestRequest(
                ids, priority, "https://example.com/hooks", Set.of(EventKind.INGESTION_COMPLETED));
    }

    @Test
    void equalRequestsHaveEqualFingerprints() {
        assertThat(Fingerprint.of(request(new int[] {1, 2, 3}, Priority.HIGH)))
                .isEqualTo(Fingerprint.of(REQUEST))
                .hasSize(64);
    }

    /**
     * Walks the request's components as the fingerprint does: a component added later is changed
     * here too, and fails this test if the fingerprint ignores it or cannot encode it.
     */
    @Test
    void changingAnyComponentOfTheRequestChangesItsFingerprint() throws Exception {
        RecordComponent[] components = IngestRequestParser.IngestRequest.class.getRecordComponents();
        Constructor<IngestRequestParser.IngestRequest> constructor =
                IngestRequestParser.IngestRequest.class.getDeclaredConstructor(
                        Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        for (int i = 0; i < components.length; i++) {
            Object[] values = new Object[components.length];
            for (int j = 0; j < components.length; j++) {
                values[j] = components[j].getAccessor().invoke(REQUEST);
            }
            values[i] = otherThan(values[i]);
            IngestRequestParser.IngestRequest changed = constructor.newInstance(values);

            assertThat(Fingerprint.of(changed))
                    .as("with %s changed", components[i].getName())
                    .isNotEqualTo(Fingerprint.of(REQUEST));
        }
    }

    @Test
    void theOrderOfTheIdsCounts() {
        assertThat(Fingerprint.of(request(new int[] {3, 2, 1}, Priority.HIGH))).isNotEqualTo(Fingerprint.of(REQUEST));
    }

    @Test
    void theSameCallbackEventsInAnotherOrderAreTheSameRequest() {
        IngestRequestParser.IngestRequest oneWay = new IngestRequestParser.IngestRequest(
                new int[] {1},
                Priority.LOW,
                "https://example.com/hooks",
                new LinkedHashSet<>(List.of(EventKind.INGESTION_COMPLETED, EventKind.BATCH_COMPLETED)));
        IngestRequestParser.IngestRequest otherWay = new IngestRequestParser.IngestRequest(
                new int[] {1},
                Priority.LOW,
                "https://example.com/hooks",
                new LinkedHashSet<>(List.of(EventKind.BATCH_COMPLETED, EventKind.INGESTION_COMPLETED)));

        assertThat(Fingerprint.of(oneWay)).isEqualTo(Fingerprint.of(otherWay));
    }

    @Test
    void aComponentItCannotEncodeFailsLoudly() {
        record WithAList(java.util.List<String> names) {}

        assertThatThrownBy(() -> Fingerprint.of(new WithAList(java.util.List.of("a"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs an encoding");
    }

    private static Object otherThan(Object value) {
        if (value instanceof int[] ints) {
            int[] other = Arrays.copyOf(ints, ints.length + 1);
            other[ints.length] = 9;
            return other;
        }
        if (value instanceof Priority priority) {
            return priority == Priority.HIGH ? Priority.LOW : Priority.HIGH;
        }
        if (value instanceof String text) {
            return text + "x";
        }
        if (value instanceof Set<?> events) {
            return events.contains(EventKind.BATCH_COMPLETED)
                    ? Set.of(EventKind.INGESTION_COMPLETED)
                    : Set.of(EventKind.INGESTION_COMPLETED, EventKind.BATCH_COMPLETED);
        }
        throw new AssertionError("a new kind of request component: teach this test and Fingerprint about "
                + value.getClass().getName());
    }
}
