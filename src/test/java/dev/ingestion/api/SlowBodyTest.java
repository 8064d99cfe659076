package dev.ingestion.api;

import static dev.ingestion.api.ApiAnswers.acceptedId;
import static dev.ingestion.api.ApiAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.api.RawHttp.Timed;
import tools.jackson.databind.JsonNode;

/**
 * A body must arrive whole within INGEST_BODY_TIMEOUT (3 s here), however its bytes trickle in:
 * Tomcat's read timeout (1.5 s here) bounds one read only, and a byte every half second never
 * trips it. A client that stops sending altogether is cut off by that read timeout. Both are
 * answered 408 in the API's shape, store nothing and log no error.
 */
@ExtendWith(OutputCaptureExtension.class)
class SlowBodyTest extends ServiceOnH2 {

    static final Duration BODY_TIMEOUT = Duration.ofSeconds(3);
    static final Duration READ_TIMEOUT = Duration.ofMillis(1500);
    static final Duration TRICKLE = Duration.ofMillis(250);
    /** How much later than the read that saw the deadline the answer may come, on a busy machine. */
    static final Duration SLACK = Duration.ofMillis(1500);

    static final String BODY = "{\"ids\": [1, 2, 3], \"priority\": \"LOW\"}";

    @DynamicPropertySource
    static void timeouts(DynamicPropertyRegistry registry) {
        registry.add("ingest.body-timeout", () -> BODY_TIMEOUT.toMillis() + "ms");
        registry.add("server.tomcat.connection-timeout", () -> READ_TIMEOUT.toMillis() + "ms");
    }

    @Autowired
    DataSource dataSource;

    @Test
    void aBodyTrickledAByteAtATimeIsAnswered408AtTheDeadlineThoughNoReadTimesOut(CapturedOutput output) {
        long before = ingestions();

        Timed answer = new RawHttp(port).trickle(head("Content-Length: " + BODY.length()), bytes(BODY), TRICKLE);

        assertSlowBodyRefused(answer, before, output, TRICKLE);
    }

    @Test
    void aChunkedBodyTrickledAByteAtATimeIsAnswered408AtTheDeadline(CapturedOutput output) {
        long before = ingestions();
        StringBuilder chunks = new StringBuilder();
        for (char c : BODY.toCharArray()) {
            chunks.append("1\r\n").append(c).append("\r\n");
        }

        Timed answer = new RawHttp(port)
                .trickle(
                        head("Transfer-Encoding: chunked"),
                        bytes(chunks.append("0\r\n\r\n").toString()),
                        TRICKLE);

        // A read returns with a byte of the body, not with a byte of chunk framing: the deadline
        // is seen at the first byte of the body after it, six bytes on the wire here.
        assertSlowBodyRefused(answer, before, output, TRICKLE.multipliedBy(6));
    }

    @Test
    void aClientThatStopsSendingIsAnswered408AtTheReadTimeout(CapturedOutput output) {
        long before = ingestions();

        Timed answer = new RawHttp(port).silent(head("Content-Length: " + (BODY.length() + 10)) + BODY);

        assertError(answer.answer().reply(), 408);
        assertThat(answer.after()).isGreaterThanOrEqualTo(READ_TIMEOUT).isLessThan(READ_TIMEOUT.plus(SLACK));
        assertThat(ingestions()).isEqualTo(before);
        assertNoErrorLogged(output);
    }

    @Test
    void aSlowBodyThatArrivesWithinTheDeadlineIsTaken() {
        Duration pause = BODY_TIMEOUT.dividedBy(BODY.length() * 2L);

        Timed taken = new RawHttp(port).trickle(head("Content-Length: " + BODY.length()), bytes(BODY), pause);

        acceptedId(taken.answer().reply());
    }

    private void assertSlowBodyRefused(Timed answer, long before, CapturedOutput output, Duration betweenReads) {
        JsonNode error = assertError(answer.answer().reply(), 408);
        assertThat(error.get("details").get("body").asString()).isEqualTo("must arrive whole within 3 s");
        assertThat(answer.after())
                .isGreaterThanOrEqualTo(BODY_TIMEOUT)
                .isLessThan(BODY_TIMEOUT.plus(betweenReads).plus(SLACK));
        assertThat(ingestions()).isEqualTo(before);
        assertNoErrorLogged(output);
    }

    private static void assertNoErrorLogged(CapturedOutput output) {
        assertThat(output.getOut().lines().filter(line -> line.contains(" ERROR ") || line.startsWith("\tat ")))
                .isEmpty();
    }

    private static String head(String framing) {
        return "POST /ingest HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + framing + "\r\n\r\n";
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private long ingestions() {
        return JdbcClient.create(dataSource)
                .sql("SELECT COUNT(*) FROM ingestion")
                .query(Long.class)
                .single();
    }
}
