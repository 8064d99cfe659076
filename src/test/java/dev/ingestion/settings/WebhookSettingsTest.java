package dev.ingestion.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class WebhookSettingsTest {

    private static WebhookSettings withPublicUrl(String publicUrl) {
        return new WebhookSettings(
                "whsec_secret", false, 8, Duration.ofSeconds(5), Duration.ofSeconds(15), 16, publicUrl);
    }

    @Test
    void thePublicUrlLosesItsTrailingSlashesSoLinksJoinWithOne() {
        assertThat(withPublicUrl("https://ingest.example.com/api/").publicUrl())
                .isEqualTo("https://ingest.example.com/api");
        assertThat(withPublicUrl(null).publicUrl()).isEmpty();
    }

    @Test
    void aPublicUrlThatIsNotAnHttpUrlIsRefusedNamingTheVariable() {
        for (String bad : new String[] {"ftp://example.com", "example.com", "https://example.com/?a=1", "https://"}) {
            assertThatThrownBy(() -> withPublicUrl(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("INGEST_PUBLIC_URL");
        }
    }

    @Test
    void theSecretNeverShowsInItsText() {
        assertThat(withPublicUrl("").toString()).doesNotContain("whsec_secret").contains("(hidden)");
    }
}
