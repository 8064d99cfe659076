package dev.ingestion.api;

import static dev.ingestion.api.ApiAnswers.acceptedId;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.api.Attack.Expect;
import dev.ingestion.api.HostileAnswers.Rows;

/**
 * The hostile run against a deployment with API keys: each request carries one of its keys, or a
 * key that is wrong, cut, doubled, in another scheme or missing, and paths that climb out of the
 * open pages ({@code /health/..;/ingest}); a request without the right key never stores anything,
 * and nothing is answered 5xx or out of shape.
 */
@ExtendWith(OutputCaptureExtension.class)
class HostileInputWithKeysTest extends ServiceOnH2 {

    static final List<String> KEYS = List.of("alpha-secret-000000001", "ops-secret-00000000003");
    static final int DEFAULT_TRIES = 400;

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        registry.add("ingest.access.api-keys", () -> "alpha:" + KEYS.get(0) + ",ops:" + KEYS.get(1) + ":admin");
        registry.add("ingest.max-ids", () -> HostileInputTest.MAX_IDS);
        registry.add("ingest.max-body", () -> HostileInputTest.MAX_BODY + "B");
    }

    @Autowired
    DataSource dataSource;

    @Test
    void noRequestWithoutTheRightKeyStoresAnythingAndNoneGetsA5xxOrAnAnswerOutOfShape(CapturedOutput output) {
        ApiClient api = new ApiClient(port);
        String[] key = {"Authorization", "Bearer " + KEYS.get(0)};
        String known = acceptedId(
                        api.post("/ingest", "application/json", "{\"ids\": [1, 2, 3, 4], \"priority\": \"LOW\"}", key))
                .toString();
        OpenApiOperations operations =
                OpenApiOperations.of(api.get("/openapi.json").json());
        HostileRequests requests =
                new HostileRequests(HostileInputTest.MAX_IDS, HostileInputTest.MAX_BODY, operations, known, KEYS);
        HostileRun run = HostileRun.fromProperties("hostile input with keys", DEFAULT_TRIES);

        List<String> failures =
                run.failures("hostile input with keys", new RawHttp(port), requests, () -> Rows.in(dataSource));

        assertThat(failures)
                .as("hostile requests answered wrongly, %s", run.repeatWith())
                .isEmpty();
        assertThat(api.get("/health").status()).isEqualTo(200);
        acceptedId(api.post("/ingest", "application/json", "{\"ids\": [5], \"priority\": \"HIGH\"}", key));
        assertThat(output.getOut().lines().filter(line -> line.contains(" ERROR ") || line.startsWith("\tat ")))
                .as("error lines logged")
                .isEmpty();
    }

    @ParameterizedTest(name = "POST {0}")
    @ValueSource(
            strings = {
                "/health/..;/ingest",
                "/health;/../ingest",
                "/health.;/../ingest",
                "/docs/..;/ingest",
                "/swagger-ui/..;/..;/ingest",
                "/openapi.json/..;/ingest",
                "/metrics/..;/ingest",
                "/health/%2e%2e/ingest",
                "/health/..%3B/ingest"
            })
    void aPathThatClimbsOutOfAnOpenPageReachesNothingWithoutAKey(String target) {
        Attack attack = new Attack.Builder("a valid body, no key")
                .target(target)
                .json("{\"ids\": [1], \"priority\": \"LOW\"}")
                .expect(new Expect(Set.of(400, 401, 404, 405), null, false, false));
        Rows before = Rows.in(dataSource);

        RawHttp.Answer answer = new RawHttp(port).send(attack);

        assertThat(HostileAnswers.problems(attack, answer, before, Rows.in(dataSource)))
                .as("%s", answer)
                .isEmpty();
    }
}
