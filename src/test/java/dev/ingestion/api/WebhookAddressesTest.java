package dev.ingestion.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.ingestion.webhooks.Signatures;

/**
 * The service cannot be turned against its own network: with webhooks on and private addresses
 * not allowed (the default), a callback_url that leads to loopback, link-local or private
 * addresses is refused when submitted, and nothing is stored.
 */
class WebhookAddressesTest extends ServiceOnH2 {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        registry.add("ingest.webhook.secret", Signatures::newSecret);
    }

    @Test
    void callbackUrlsLeadingIntoPrivateNetworksAreRefusedNamingTheSettingThatAllowsThem() {
        List<String> urls = List.of(
                "http://127.0.0.1:8080/hooks",
                "http://localhost/hooks",
                "http://10.1.2.3/hooks",
                "http://172.16.0.1/hooks",
                "http://192.168.1.1/hooks",
                "http://169.254.169.254/latest/meta-data/",
                "http://[::1]/hooks",
                "http://[fd00::1]/hooks",
                "http://[::ffff:127.0.0.1]/hooks",
                "http://0.0.0.0/hooks",
                "http://2130706433/hooks");
        ApiClient api = new ApiClient(port);
        for (String url : urls) {
            ApiClient.Reply reply =
                    api.ingest("{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": \"" + url + "\"}");

            assertThat(reply.status()).as("%s: %s", url, reply).isEqualTo(400);
            assertThat(reply.json().get("details").get("callback_url").asString())
                    .as(url)
                    .isNotBlank();
        }
        assertThat(api.ingest("{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": \"http://127.0.0.1/x\"}")
                        .json()
                        .get("details")
                        .get("callback_url")
                        .asString())
                .contains("INGEST_WEBHOOK_ALLOW_PRIVATE");
        assertThat(api.get("/ingestions").json().get("ingestions")).isEmpty();
    }

    @Test
    void userInfoAndOtherSchemesAreRefused() {
        ApiClient api = new ApiClient(port);
        for (String url :
                List.of("https://user:pass@example.com/hooks", "file:///etc/passwd", "gopher://example.com/")) {
            assertThat(api.ingest("{\"ids\": [1], \"priority\": \"LOW\", \"callback_url\": \"" + url + "\"}")
                            .status())
                    .as(url)
                    .isEqualTo(400);
        }
    }
}
