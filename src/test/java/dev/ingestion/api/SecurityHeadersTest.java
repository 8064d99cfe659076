package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ingestion.api.Attack.Expect;
import dev.ingestion.api.RawHttp.Answer;

/**
 * Every answer, the API's, the HTML pages' and Tomcat's own, carries a Content-Security-Policy
 * and nosniff and names no server software; and the Swagger UI at /docs needs nothing that
 * policy forbids (checked here on what it serves; docs/TESTS.md says how it was checked in a browser).
 */
class SecurityHeadersTest extends ServiceOnH2 {

    static final String GOOD = "{\"ids\": [1], \"priority\": \"LOW\"}";

    @Test
    void everyAnswerOfTheApiThePagesAndTomcatCarriesThePolicyAndNosniffAndNamesNoServer() {
        List<Attack> requests = List.of(
                new Attack.Builder("a stored ingestion").json(GOOD).expect(Expect.accepted()),
                new Attack.Builder("invalid input").json("{}").expect(Expect.status(400)),
                get("/status/not-an-id", 404),
                get("/health", 200),
                get("/metrics", 200),
                get("/openapi.json", 200),
                get("/docs", 302),
                get("/swagger-ui/index.html", 200),
                get("/swagger-ui/swagger-ui.css", 200),
                get("/swagger-ui/swagger-initializer.js", 200),
                get("/META-INF/MANIFEST.MF", 404),
                get("/status/%zz", 400),
                new Attack.Builder("a header too large for Tomcat")
                        .method("GET")
                        .target("/health")
                        .header("X-Padding", "x".repeat(9000))
                        .expect(Expect.status(400)),
                new Attack.Builder("HTTP/9.9")
                        .method("GET")
                        .target("/health")
                        .version("HTTP/9.9")
                        .expect(Expect.status(400)));
        List<String> problems = new ArrayList<>();
        for (Attack request : requests) {
            Answer answer = new RawHttp(port).send(request);
            List<String> wrong = new ArrayList<>(HostileAnswers.everyAnswer(answer));
            if (!request.expect().statuses().contains(answer.status())) {
                wrong.add("expected " + request.expect() + ", got " + answer.status());
            }
            if (!answer.headers("X-Powered-By").isEmpty()) {
                wrong.add("X-Powered-By: " + answer.headers("X-Powered-By"));
            }
            if (!wrong.isEmpty()) {
                problems.add(request.what() + ": " + wrong + "\n" + answer);
            }
        }

        assertThat(problems).isEmpty();
    }

    @Test
    void thePolicyAllowsNoInlineScriptNoEvalNoFramingAndNothingFromElsewhere() {
        String policy = policy();

        assertThat(policy)
                .contains("default-src 'none'", "script-src 'self';", "frame-ancestors 'none'", "base-uri 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "*", "http:", "https:");
    }

    @Test
    void theSwaggerUiPageRunsOnlyItsOwnScriptsAndStyles() {
        ApiClient api = new ApiClient(port);
        String page = api.get("/swagger-ui/index.html").body();

        Matcher scripts =
                Pattern.compile("<script([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(page);
        int count = 0;
        while (scripts.find()) {
            count++;
            assertThat(scripts.group(1))
                    .as("a script from the page's own folder")
                    .matches(" src=\"\\./[^\"/:]+\".*");
            assertThat(scripts.group(2)).as("inline script").isBlank();
        }
        assertThat(count).isPositive();
        Matcher links = Pattern.compile("<link [^>]*href=\"([^\"]*)\"").matcher(page);
        while (links.find()) {
            assertThat(links.group(1))
                    .as("a stylesheet or icon of the page's own")
                    .doesNotContain(":", "//");
        }
        assertThat(page).doesNotContain("<style", "style=", "javascript:", "onload=");
    }

    @Test
    void theSwaggerUiLoadsItsConfigurationAndTheApiDocumentFromThisServiceAndNoValidatorBadge() {
        ApiClient api = new ApiClient(port);

        String initializer = api.get("/swagger-ui/swagger-initializer.js").body();
        assertThat(initializer).contains("\"configUrl\" : \"/openapi.json/swagger-config\"");
        var config = api.get("/openapi.json/swagger-config").json();
        assertThat(config.get("url").asString()).isEqualTo("/openapi.json");
        // Swagger UI would load its validator's badge from swagger.io, which img-src forbids.
        assertThat(config.get("validatorUrl").asString()).isEmpty();
    }

    @Test
    void everyStyleElementTheSwaggerUiCreatesIsAllowedByItsHash() {
        ApiClient api = new ApiClient(port);
        String policy = policy();
        // React writes the logo's <style> element from a string literal; a <style> element is
        // inline style, allowed only by the hash of its text.
        Pattern styleElement = Pattern.compile("createElement\\(\"style\",null,\"([^\"]*)\"\\)");
        List<String> styles = new ArrayList<>();
        for (String script : List.of("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js")) {
            Matcher found =
                    styleElement.matcher(api.get("/swagger-ui/" + script).body());
            while (found.find()) {
                styles.add(found.group(1));
            }
        }

        assertThat(styles).as("style elements in the Swagger UI's scripts").isNotEmpty();
        for (String style : styles) {
            assertThat(policy)
                    .as("style-src allows the Swagger UI's <style>%s</style>", style)
                    .contains("'sha256-" + sha256(style) + "'");
        }
    }

    private String policy() {
        List<String> policies =
                new RawHttp(port).send(get("/swagger-ui/index.html", 200)).headers("Content-Security-Policy");
        assertThat(policies).hasSize(1);
        return policies.get(0);
    }

    private static Attack get(String target, int status) {
        return new Attack.Builder("GET " + target)
                .method("GET")
                .target(target)
                .framing(Attack.Builder.Framing.NONE)
                .expect(Expect.status(status));
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder()
                    .encodeToString(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
