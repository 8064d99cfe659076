package dev.ingestion.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AnswersTest {

    static final Clock CLOCK = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);

    @Test
    void retryAfterInSecondsIsThatManySeconds() {
        assertThat(Answers.retryAfter(" 120 ", CLOCK)).isEqualTo(Duration.ofSeconds(120));
        assertThat(Answers.retryAfter("0", CLOCK)).isEqualTo(Duration.ZERO);
    }

    @Test
    void retryAfterAsAnHttpDateIsTheWaitFromTheClocksNowAndADatePastIsNoWait() {
        assertThat(Answers.retryAfter("Wed, 01 Jan 2025 01:00:00 GMT", CLOCK)).isEqualTo(Duration.ofHours(1));
        assertThat(Answers.retryAfter("Tue, 31 Dec 2024 23:00:00 GMT", CLOCK)).isEqualTo(Duration.ZERO);
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(
            strings = {"", "soon", "-5", "1.5", "99999999999999999999", "2025-01-01T00:00:00Z", "Wed, 32 Jan 2025"})
    void aMalformedRetryAfterIsIgnored(String header) {
        assertThat(Answers.retryAfter(header, CLOCK)).isNull();
    }

    @Test
    void theBodyIsReadInTheCharsetItsContentTypeNamesElseUtf8() {
        byte[] latin = "caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(Answers.text(latin, Optional.of("text/plain; charset=ISO-8859-1")))
                .isEqualTo("caf\u00e9");
        assertThat(Answers.text("caf\u00e9".getBytes(StandardCharsets.UTF_8), Optional.empty()))
                .isEqualTo("caf\u00e9");
        assertThat(Answers.text("x".getBytes(StandardCharsets.UTF_8), Optional.of("text/plain; charset=nonsense")))
                .isEqualTo("x");
    }

    @Test
    void bigNumbersAndDecimalsAreKeptAsWritten() {
        assertThat(Answers.record("{\"n\": 123456789012345678901234567890, \"d\": 0.10}"))
                .isEqualTo("{\"n\":123456789012345678901234567890,\"d\":0.10}");
    }
}
