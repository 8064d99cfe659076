package dev.ingestion.api;

import static dev.ingestion.api.ApiAnswers.acceptedId;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.api.Attack.Expect;
import dev.ingestion.api.HostileAnswers.Rows;
import dev.ingestion.api.RawHttp.Answer;

/**
 * Random and adversarial requests over real sockets (HostileRequests draws them): whatever
 * arrives, the service answers below 500, in its JSON error shape, names no software, stores
 * nothing it refused, logs no error, and is healthy afterwards.
 *
 * <p>Each run prints its seed (HostileRun): a fixed one in the build, {@code -Dhostile.seed=random}
 * draws a new one; {@code -Dhostile.seed=N} repeats a
 * run, {@code -Dhostile.case=N} runs the one case a failure names, and {@code -Dhostile.tries=N}
 * runs longer than the default.
 */
@ExtendWith(OutputCaptureExtension.class)
class HostileInputTest extends ServiceOnH2 {

    static final int MAX_IDS = 500;
    /** Room for a body nested 100,000 levels deep, so that the nesting, not the size, is what is refused. */
    static final int MAX_BODY = 1024 * 1024;

    static final int DEFAULT_TRIES = 1000;

    @DynamicPropertySource
    static void limits(DynamicPropertyRegistry registry) {
        registry.add("ingest.max-ids", () -> MAX_IDS);
        registry.add("ingest.max-body", () -> MAX_BODY + "B");
    }

    @Autowired
    DataSource dataSource;

    @Test
    void noRequestGetsA5xxAStackTraceOrAnAnswerOutOfShapeAndNoRefusedRequestStoresAnything(CapturedOutput output) {
        ApiClient api = new ApiClient(port);
        String known = acceptedId(api.ingest("{\"ids\": [1, 2, 3, 4], \"priority\": \"LOW\"}"))
                .toString();
        OpenApiOperations operations =
                OpenApiOperations.of(api.get("/openapi.json").json());
        HostileRequests requests = new HostileRequests(MAX_IDS, MAX_BODY, operations, known, List.of());
        HostileRun run = HostileRun.fromProperties("hostile input", DEFAULT_TRIES);

        List<String> failures = run.failures("hostile input", new RawHttp(port), requests, this::rows);

        assertThat(failures)
                .as("hostile requests answered wrongly, %s", run.repeatWith())
                .isEmpty();
        assertHealthy(api);
        assertNoErrorLogged(output);
    }

    // ---- the named hostile cases ---------------------------------------------------------------

    @Test
    void aBodyNestedAHundredThousandLevelsDeepIsRefusedNamingTheBody(CapturedOutput output) {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);

        answer(ingest("{\"ids\": " + deep + ", \"priority\": \"LOW\"}", Expect.invalid(Set.of("body"))));
        answer(ingest("{\"x\": " + deep + ", \"ids\": [1], \"priority\": \"LOW\"}", Expect.invalid(Set.of("body"))));
        answer(ingest(
                "{\"ids\": [1], \"priority\": \"LOW\", \"x\": " + "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)
                        + "}",
                Expect.invalid(Set.of("body"))));
        answer(ingest(deep, Expect.invalid(Set.of("body"))));
        assertNoErrorLogged(output);
    }

    @Test
    void aBodyIsReadFiveHundredLevelsDeepAndNoDeeper() {
        answer(ingest(nested(HostileRequests.MAX_DEPTH - 1), Expect.accepted()));
        String refused = answer(ingest(nested(HostileRequests.MAX_DEPTH), Expect.invalid(Set.of("body"))))
                .text();

        assertThat(refused).contains("nested more than 500 levels deep");
    }

    @ParameterizedTest(name = "id {0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "1e999                | must be an integer, got the number 1e999",
                "-1e999               | must be an integer, got the number -1e999",
                "1E3                  | must be an integer, got the number 1E3",
                "-0                   | = -0 is out of range",
                "12345678901234567890 | = 12345678901234567890 is out of range",
                "-12345678901234567890 | = -12345678901234567890 is out of range",
                "99999999999999999999 | = 99999999999999999999 is out of range"
            })
    void hugeAndOddNumbersAreNoIds(String id, String reason) {
        String details = answer(
                        ingest("{\"ids\": [1, " + id + "], \"priority\": \"LOW\"}", Expect.invalid(Set.of("ids"))))
                .text();

        assertThat(details).contains("ids[1] " + reason);
    }

    @Test
    void hugeAndOddNumbersInFieldsTheServiceIgnoresAreHarmlessUpToTheParsersLimit() {
        answer(ingest(
                "{\"ids\": [1], \"priority\": \"LOW\", \"a\": 1e999, \"b\": -0, \"c\": 12345678901234567890, "
                        + "\"d\": " + "9".repeat(1000) + "}",
                Expect.accepted()));
        String refused = answer(ingest(
                        "{\"ids\": [1], \"priority\": \"LOW\", \"d\": " + "9".repeat(1001) + "}",
                        Expect.invalid(Set.of("body"))))
                .text();

        assertThat(refused).contains("a number longer than 1000 characters");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "ids      | {\"ids\": [1], \"priority\": \"LOW\", \"ids\": [2]}",
                "ids      | {\"ids\": [1], \"priority\": \"LOW\", \"ids\": [1]}",
                "ids      | {\"ids\": [1], \"priority\": \"LOW\", \"\\u0069ds\": [2]}",
                "priority | {\"ids\": [1], \"priority\": \"LOW\", \"priority\": \"HIGH\"}",
                "priority | {\"priority\": \"HIGH\", \"ids\": [1], \"pr\\u0069ority\": \"HIGH\"}",
                "body     | {\"ids\": [1], \"x\": 1, \"priority\": \"LOW\", \"x\": 2}"
            })
    void aFieldGivenTwiceIsRefusedNamingItNeverTheLastOneWins(String field, String body) {
        String details = answer(ingest(body, Expect.invalid(Set.of(field)))).text();

        assertThat(details).contains("a field may appear once");
    }

    @Test
    void keysRepeatedInsideAFieldTheServiceIgnoresAreIgnoredWithIt() {
        answer(ingest("{\"ids\": [1], \"priority\": \"LOW\", \"x\": {\"a\": 1, \"a\": 2}}", Expect.accepted()));
    }

    @Test
    void bytesThatAreNotUtf8JsonAreRefusedNamingTheBodyWhereverTheyAre(CapturedOutput output) {
        String good = "{\"ids\": [1], \"priority\": \"LOW\", \"x\": {\"name\": \"value\"}}";
        for (byte[] insert : HostileRequests.INVALID_UTF8) {
            int inName = good.indexOf("name") + 2;
            int inValue = good.indexOf("value") + 2;
            answer(ingestBytes(splice(good, inName, insert), Expect.invalid(Set.of("body"))));
            answer(ingestBytes(splice(good, inValue, insert), Expect.invalid(Set.of("body"))));
        }
        answer(ingestBytes(splice(good, good.indexOf("value"), new byte[] {0}), Expect.invalid(Set.of("body"))));
        // The same request in UTF-16: Jackson would read it, but JSON between systems is UTF-8.
        answer(ingestBytes(good.getBytes(StandardCharsets.UTF_16LE), Expect.invalid(Set.of("body"))));
        answer(ingestBytes(good.getBytes(StandardCharsets.UTF_16BE), Expect.invalid(Set.of("body"))));
        String details = answer(ingestBytes(splice(good, 3, new byte[] {(byte) 0xFF}), Expect.invalid(Set.of("body"))))
                .text();
        assertThat(details).contains("is not UTF-8 JSON: byte 3 is not valid UTF-8");
        assertNoErrorLogged(output);
    }

    @Test
    void textBeyondAsciiAndEscapedNulsAreJsonLikeAnyOther() {
        answer(ingest(
                "{\"ids\": [1], \"priority\": \"LOW\", \"\u00e9\u4e2d\ud83d\ude00\": \"\\u0000\\ud800\u00ff\"}",
                Expect.accepted()));
        answer(ingest("{\"ids\": [1], \"priority\": \"LOW\\u0000\"}", Expect.invalid(Set.of("priority"))));
    }

    @Test
    void brokenFramingIsAClientErrorInTheApisShapeWithNothingLogged(CapturedOutput output) {
        String good = "{\"ids\": [1], \"priority\": \"LOW\"}";
        answer(new Attack.Builder("a chunk size that is not hex")
                .header("Content-Type", "application/json")
                .chunkedBytes(("zz\r\n" + good + "\r\n0\r\n\r\n").getBytes(StandardCharsets.US_ASCII))
                .expect(Expect.status(400)));
        answer(new Attack.Builder("two Content-Lengths")
                .json(good)
                .header("Content-Length", "5")
                .expect(Expect.status(400)));
        answer(new Attack.Builder("a transfer coding Tomcat does not speak (Tomcat says 501)")
                .header("Transfer-Encoding", "gzip")
                .json(good)
                .framing(Attack.Builder.Framing.NONE)
                .expect(Expect.status(400)));
        answer(new Attack.Builder("an HTTP version Tomcat does not speak (Tomcat says 505)")
                .version("HTTP/9.9")
                .json(good)
                .expect(Expect.status(400)));
        answer(new Attack.Builder("CONNECT (Tomcat says 501)")
                .requestLine("CONNECT localhost:443 HTTP/1.1")
                .expect(Expect.status(400)));
        assertNoErrorLogged(output);
    }

    @Test
    void aQueryStringThatIsNotUtf8IsRefusedNamingTheQuery(CapturedOutput output) {
        answer(new Attack.Builder("a limit of one byte that is not UTF-8")
                .method("GET")
                .target("/ingestions/" + UUID.randomUUID() + "/records?limit=%FF")
                .expect(Expect.invalid(Set.of("query"))));
        answer(new Attack.Builder("a name that is no percent-encoding")
                .method("GET")
                .target("/ingestions/" + UUID.randomUUID() + "/records?%zz=1")
                .expect(Expect.invalid(Set.of("query"))));
        assertNoErrorLogged(output);
    }

    @ParameterizedTest(name = "{0} /error")
    @ValueSource(strings = {"GET", "POST", "DELETE", "FOO"})
    void theErrorPageAskedForDirectlyIsNotFound(String method) {
        answer(new Attack.Builder(method + " /error")
                .method(method)
                .target("/error")
                .expect(Expect.status(404)));
    }

    @Test
    void anUnknownHealthGroupOrAPathUnderMetaInfIsA404InTheApisShape() {
        answer(new Attack.Builder("GET /health/x")
                .method("GET")
                .target("/health/x")
                .expect(Expect.status(404)));
        answer(new Attack.Builder("GET /META-INF/MANIFEST.MF")
                .method("GET")
                .target("/META-INF/MANIFEST.MF")
                .expect(Expect.status(404)));
    }

    /** Sends the attack and checks its answer as the random run does, failing on any problem. */
    private Answer answer(Attack attack) {
        Rows before = rows();
        Answer answer = new RawHttp(port).send(attack);
        assertThat(HostileAnswers.problems(attack, answer, before, rows()))
                .as("%s\nanswered %s", attack.describe(), answer)
                .isEmpty();
        return answer;
    }

    private static Attack ingest(String json, Expect expect) {
        return new Attack.Builder("POST /ingest").json(json).expect(expect);
    }

    private static Attack ingestBytes(byte[] body, Expect expect) {
        return new Attack.Builder("POST /ingest")
                .header("Content-Type", "application/json")
                .body(body)
                .expect(expect);
    }

    /** A valid request with an array nested {@code levels} deep beside it: the object makes one level more. */
    private static String nested(int levels) {
        return "{\"ids\": [1], \"priority\": \"LOW\", \"x\": " + "[".repeat(levels) + "]".repeat(levels) + "}";
    }

    private static byte[] splice(String text, int at, byte[] insert) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[bytes.length + insert.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(bytes, at, out, at + insert.length, bytes.length - at);
        return out;
    }

    private static void assertNoErrorLogged(CapturedOutput output) {
        assertThat(output.getOut().lines().filter(line -> line.contains(" ERROR ") || line.startsWith("\tat ")))
                .as("error lines logged")
                .isEmpty();
    }

    /** The store answers, a new ingestion is taken, and its status read back. */
    private void assertHealthy(ApiClient api) {
        assertThat(api.get("/health").status()).isEqualTo(200);
        UUID id = acceptedId(api.ingest("{\"ids\": [5, 6], \"priority\": \"HIGH\"}"));
        assertThat(api.get("/status/" + id).json().get("ingestion_id").asString())
                .isEqualTo(id.toString());
    }

    Rows rows() {
        return Rows.in(dataSource);
    }
}
