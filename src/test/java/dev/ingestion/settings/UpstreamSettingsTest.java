package dev.ingestion.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class UpstreamSettingsTest {

    /** The defaults of application.properties, as the environment leaves them. */
    static UpstreamSettings bind(Map<String, String> overrides) {
        Map<String, String> properties = new HashMap<>(Map.of(
                "ingest.upstream.url", "",
                "ingest.upstream.timeout", "10s",
                "ingest.upstream.headers", "",
                "ingest.upstream.max-record", "1MB",
                "ingest.upstream.failure-rate", "0",
                "ingest.upstream.throttle-rate", "0",
                "ingest.upstream.seed", ""));
        properties.putAll(overrides);
        return new Binder(new MapConfigurationPropertySource(properties))
                .bind("ingest.upstream", UpstreamSettings.class)
                .get();
    }

    static String refusal(Map<String, String> overrides) {
        Throwable refused = catchThrowable(() -> bind(overrides));
        while (refused.getCause() != null) {
            refused = refused.getCause();
        }
        return refused.getMessage();
    }

    @Test
    void theDefaultsMeanTheSimulationThatNeverFails() {
        UpstreamSettings settings = bind(Map.of());

        assertThat(settings.http()).isFalse();
        assertThat(settings.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(settings.maxRecord().toBytes()).isEqualTo(1024 * 1024);
        assertThat(settings.failureRate()).isZero();
        assertThat(settings.throttleRate()).isZero();
        assertThat(settings.seed()).isNull();
        assertThat(settings.headerMap()).isEmpty();
    }

    @Test
    void everyKnobBinds() {
        UpstreamSettings settings = bind(Map.of(
                "ingest.upstream.url", "https://api.example.com/items?ids={ids}",
                "ingest.upstream.max-record", "512KB",
                "ingest.upstream.failure-rate", "0.1",
                "ingest.upstream.throttle-rate", "0.05",
                "ingest.upstream.seed", "42"));

        assertThat(settings.http()).isTrue();
        assertThat(settings.maxRecord().toKilobytes()).isEqualTo(512);
        assertThat(settings.failureRate()).isEqualTo(0.1);
        assertThat(settings.throttleRate()).isEqualTo(0.05);
        assertThat(settings.seed()).isEqualTo(42L);
    }

    @ParameterizedTest(name = "INGEST_UPSTREAM_TIMEOUT={0} means {1}")
    @CsvSource({"3, PT3S", "200ms, PT0.2S", "PT1M, PT1M"})
    void aBareTimeoutIsSeconds(String text, Duration expected) {
        assertThat(bind(Map.of("ingest.upstream.timeout", text)).timeout()).isEqualTo(expected);
    }

    @Test
    void outOfRangeValuesAreRefusedNamingTheVariable() {
        assertThat(refusal(Map.of("ingest.upstream.timeout", "0")))
                .isEqualTo("INGEST_UPSTREAM_TIMEOUT must be at least 1ms, got PT0S");
        assertThat(refusal(Map.of("ingest.upstream.max-record", "1023B")))
                .isEqualTo("INGEST_UPSTREAM_MAX_RECORD must be at least 1KB, got 1023B");
        assertThat(refusal(Map.of("ingest.upstream.failure-rate", "1.5")))
                .isEqualTo("INGEST_UPSTREAM_FAILURE_RATE must be between 0 and 1, got 1.5");
        assertThat(refusal(Map.of("ingest.upstream.throttle-rate", "-0.1")))
                .isEqualTo("INGEST_UPSTREAM_THROTTLE_RATE must be between 0 and 1, got -0.1");
        assertThat(refusal(Map.of("ingest.upstream.failure-rate", "0.6", "ingest.upstream.throttle-rate", "0.5")))
                .startsWith("INGEST_UPSTREAM_FAILURE_RATE and INGEST_UPSTREAM_THROTTLE_RATE must add up to at most 1");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "https://api.example.com/items",
                "https://api.example.com/items/{id}?also={ids}",
                "ftp://api.example.com/{id}",
                "api.example.com/{id}",
                "https://api.example.com/{id}?key=se cret"
            })
    void aTemplateWithoutExactlyOnePlaceholderOrNotHttpIsRefusedWithoutEchoingIt(String url) {
        assertThat(refusal(Map.of("ingest.upstream.url", url)))
                .startsWith("INGEST_UPSTREAM_URL ")
                .doesNotContain("api.example.com", "cret");
    }

    @Test
    void headersArePairsSeparatedBySemicolonsOrNewlines() {
        Map<String, String> expected = Map.of("Authorization", "Bearer abc", "X-Tenant", "7");

        assertThat(bind(Map.of("ingest.upstream.headers", "Authorization: Bearer abc; X-Tenant: 7;"))
                        .headerMap())
                .isEqualTo(expected);
        assertThat(bind(Map.of("ingest.upstream.headers", "Authorization: Bearer abc\r\n\nX-Tenant:7\n"))
                        .headerMap())
                .isEqualTo(expected);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @CsvSource(
            delimiter = '|',
            value = {
                "Bearer s3cret | INGEST_UPSTREAM_HEADERS: entry 1 is not of the form 'Name: value'",
                "X-Ok: 1; : s3cret | INGEST_UPSTREAM_HEADERS: entry 2 is not of the form 'Name: value'",
                "Bad Name s3cret: v | INGEST_UPSTREAM_HEADERS: entry 1 does not start with a valid header name",
                "Authorization: | INGEST_UPSTREAM_HEADERS: entry 1 (Authorization) has an empty value",
                "Host: s3cret | INGEST_UPSTREAM_HEADERS: entry 1 sets Host, which the client sets",
                "A: s3cret; a: s3cret | INGEST_UPSTREAM_HEADERS: entry 2 names a a second time"
            })
    void aMalformedHeaderIsRefusedNamingTheVariableWithoutEchoingTheValue(String headers, String message) {
        assertThat(refusal(Map.of("ingest.upstream.headers", headers)))
                .isEqualTo(message)
                .doesNotContain("s3cret");
    }

    @Test
    void aControlCharacterInAValueIsRefusedWithoutEchoingIt() {
        assertThat(refusal(Map.of("ingest.upstream.headers", "X-Key: s3c\u0007ret")))
                .isEqualTo("INGEST_UPSTREAM_HEADERS: entry 1 (X-Key) has a control character in its value");
    }

    @Test
    void theDescriptionNamesTheHeadersButHidesTheirValuesAndTheQuery() {
        UpstreamSettings settings = bind(Map.of(
                "ingest.upstream.url", "https://api.example.com/items/{id}?key=k3y",
                "ingest.upstream.headers", "Authorization: Bearer s3cret; X-Tenant: t-77"));

        assertThat(settings.toString())
                .contains("Authorization", "X-Tenant", "api.example.com")
                .doesNotContain("s3cret", "t-77", "k3y");
    }

    @Test
    void aSeedThatIsNotANumberIsRefused() {
        assertThatThrownBy(() -> bind(Map.of("ingest.upstream.seed", "abc"))).isNotNull();
    }
}
