package dev.ingestion.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

import dev.ingestion.support.TestStores;
import dev.ingestion.webhooks.Receiver;
import dev.ingestion.webhooks.Signatures;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in a real browser (Debian's headless Chromium) against the whole service with
 * API keys on, at a 300 ms interval so that work completes while the test watches. One service
 * and one browser serve every test; each test loads the page anew.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@Import(DashboardTest.StubStream.class)
class DashboardTest {

    static final String TEAM = "team-secret-00000000001";
    static final String OPS = "ops-secret-000000000002";
    static final Duration PATIENCE = Duration.ofSeconds(20);

    @TempDir
    static Path folder;

    static ChromeDriver driver;

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        registry.add("ingest.db-url", () -> TestStores.h2Url(folder));
        registry.add("ingest.interval", () -> "300ms");
        registry.add("ingest.upstream-delay", () -> "20ms");
        registry.add("ingest.access.api-keys", () -> "team:" + TEAM + ",ops:" + OPS + ":admin");
        registry.add("ingest.webhook.secret", () -> WEBHOOK_SECRET);
        registry.add("ingest.webhook.allow-private", () -> "true");
        registry.add("ingest.webhook.retry-base", () -> "1s");
    }

    static final String WEBHOOK_SECRET = Signatures.newSecret();
    static final Receiver RECEIVER = Receiver.start(WEBHOOK_SECRET);

    @LocalServerPort
    int port;

    final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void resumeDispatchAndReadTheConsole() {
        call("POST", "/queue/resume", OPS, null);
        if (driver != null) {
            // failed loads are the page's expected 401s and 403s; anything else (a script error, a
            // Content-Security-Policy refusal) is a bug the page would hide from its user
            List<String> errors = driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                    .filter(entry -> entry.getLevel().intValue() >= Level.SEVERE.intValue())
                    .map(LogEntry::getMessage)
                    .filter(message -> !message.contains("Failed to load resource"))
                    .toList();
            assertThat(errors).as("errors in the browser's console").isEmpty();
        }
    }

    @AfterAll
    static void quit() {
        if (driver != null) {
            driver.quit();
            driver = null;
        }
        StubStream.OPEN.forEach(SseEmitter::complete);
        RECEIVER.close();
    }

    @Test
    void anIngestionsWebhooksAreShownWithTheirStateUntilTheyAreDelivered() {
        RECEIVER.answerNext(503, "2");
        String body =
                "{\"ids\": [1, 2, 3, 4], \"priority\": \"HIGH\", \"callback_url\": \"" + RECEIVER.url("/dashboard")
                        + "\", \"callback_events\": [\"batch.completed\", \"ingestion.completed\"]}";
        HttpResponse<String> answer = call("POST", "/ingest", OPS, body);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        String id =
                JsonMapper.shared().readTree(answer.body()).get("ingestion_id").asString();
        String plain = ingest(OPS, "HIGH", 5, 6);
        openAs(OPS);

        click(rowSelector(plain) + " button");
        until(d -> plain.equals(d.findElement(By.id("detail")).getDomAttribute("data-id"))
                && "completed".equals(d.findElement(By.id("detail")).getDomAttribute("data-status")));
        assertThat(driver.findElement(By.id("webhooks")).isDisplayed()).isFalse();

        click(rowSelector(id) + " button");
        until(d -> attributes("#deliveries tbody tr", "data-state")
                .equals(List.of("delivered", "delivered", "delivered")));
        assertThat(driver.findElements(By.cssSelector("#deliveries tbody tr td:nth-child(3)")).stream()
                        .map(WebElement::getText)
                        .toList())
                .as("attempts: the first was answered 503")
                .containsExactly("2", "1", "1");
        assertThat(text("#wh-url")).contains(RECEIVER.url("/dashboard").toString());
        driver.executeScript("document.getElementById('webhooks').scrollIntoView()");
        screenshot(driver, "dashboard-webhooks.png");
        assertThat(RECEIVER.awaitDeliveries("/dashboard", 4, PATIENCE))
                .allSatisfy(delivery -> assertThat(delivery.verified()).isTrue());
    }

    @Test
    void thePageAndItsAssetsAreOpenWhileTheDataTheyShowNeedsAKey() {
        HttpResponse<String> page = call("GET", "/", null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(call("GET", "/dashboard/app.js", null, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/dashboard/app.css", null, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/queue", null, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/ingestions", null, null).statusCode()).isEqualTo(401);
        // a Content-Security-Policy of default-src 'self' allows no inline script, style or handler
        assertThat(page.body())
                .doesNotContainPattern("<script(?![^>]*\\bsrc=)")
                .doesNotContain("<style")
                .doesNotContainPattern("\\sstyle=")
                .doesNotContainPattern("\\son[a-z]+=");
    }

    @Test
    void withKeysOnThePageAsksForAKeyAsksAgainForAWrongOneAndWorksWithARightOne() {
        ChromeDriver page = browser();
        page.get(base());
        page.executeScript("sessionStorage.clear()");
        page.navigate().refresh();
        WebElement dialog = page.findElement(By.id("key-dialog"));
        until(d -> dialog.isDisplayed());
        assertThat(text("#in-flight")).isEqualTo("–");

        enterKey("not-a-key-of-this-deployment");
        until(d -> dialog.isDisplayed() && text("#key-reason").contains("not accepted"));

        enterKey(TEAM);
        until(d -> !dialog.isDisplayed() && text("#in-flight").matches("\\d+"));
        assertThat(page.executeScript("return sessionStorage.getItem('ingest.api-key')"))
                .isEqualTo(TEAM);
        @SuppressWarnings("unchecked")
        List<String> requested =
                (List<String>) page.executeScript("return performance.getEntriesByType('resource').map(e => e.name)");
        assertThat(requested).anyMatch(url -> url.contains("/queue")).noneMatch(url -> url.contains(TEAM));
        assertThat(page.getCurrentUrl()).doesNotContain(TEAM);
    }

    @Test
    void aKeyThatIsNotAnAdminsIsToldThatPausingDispatchNeedsOne() {
        openAs(TEAM);
        click("#dispatch-toggle");
        until(d -> text("#notice").contains("needs an admin key"));
        assertThat(queue().get("paused").asBoolean()).isFalse();
    }

    @Test
    void anIngestionSubmittedThroughTheFormIsSeenToCompleteWithoutAReload() {
        ChromeDriver page = openAs(OPS);
        page.executeScript("window.sameDocument = true");
        page.findElement(By.name("ids")).sendKeys("1-7");
        new Select(page.findElement(By.cssSelector("#submit-form select[name=priority]"))).selectByValue("HIGH");
        click("#submit-form button[type=submit]");

        String id = until(d -> d.findElement(By.id("submit-result")).getDomAttribute("data-id"));
        until(d -> id.equals(d.findElement(By.id("detail")).getDomAttribute("data-id")));
        until(d -> statuses("#batches tbody tr").equals(List.of("completed", "completed", "completed")));
        until(d -> "completed".equals(d.findElement(By.id("detail")).getDomAttribute("data-status")));
        until(d -> attributes("#records tbody tr", "data-state")
                .equals(List.of("fetched", "fetched", "fetched", "fetched", "fetched", "fetched", "fetched")));
        until(d -> "completed".equals(row(id).getDomAttribute("data-status")));
        assertThat(page.executeScript("return window.sameDocument === true")).isEqualTo(true);
        assertThat(text("#d-batch-count")).isEqualTo("3 of 3 completed");
    }

    @Test
    void pausingDispatchShowsOnThePageAndInTheQueueAndWorkWaitsUntilItIsResumed() {
        openAs(OPS);
        until(d -> text("#dispatch-toggle").equals("Pause dispatch"));
        click("#dispatch-toggle");
        until(d -> d.findElement(By.id("dispatch-banner")).isDisplayed()
                && text("#dispatch-toggle").equals("Resume dispatch")
                && text("#countdown").equals("paused"));
        assertThat(queue().get("paused").asBoolean()).isTrue();

        String id = ingest(OPS, "MEDIUM", 1, 4);
        until(d -> "yet_to_start".equals(row(id).getDomAttribute("data-status")));

        click("#dispatch-toggle");
        until(d -> !d.findElement(By.id("dispatch-banner")).isDisplayed()
                && text("#dispatch-toggle").equals("Pause dispatch"));
        assertThat(queue().get("paused").asBoolean()).isFalse();
        until(d -> "completed".equals(row(id).getDomAttribute("data-status")));
    }

    @Test
    void theListFiltersByStatusAndPriorityAndFindsAnIngestionById() {
        browser();
        String high = ingest(OPS, "HIGH", 1, 3);
        Awaitility.await().atMost(PATIENCE).until(() -> status(high).equals("completed"));
        call("POST", "/queue/pause", OPS, null);
        String low = ingest(OPS, "LOW", 1, 3);
        String medium = ingest(OPS, "MEDIUM", 1, 3);
        openAs(OPS);
        until(d -> !driver.findElements(By.cssSelector(rowSelector(medium))).isEmpty());

        filter("priority", "LOW");
        until(d -> visibleRows("data-priority").values().stream().allMatch("LOW"::equals)
                && visibleRows("data-priority").containsKey(low));

        filter("priority", "");
        filter("status", "completed");
        until(d -> visibleRows("data-status").values().stream().allMatch("completed"::equals)
                && visibleRows("data-status").containsKey(high));
        assertThat(visibleRows("data-status")).doesNotContainKeys(low, medium);

        filter("status", "yet_to_start");
        filter("priority", "MEDIUM");
        until(d -> visibleRows("data-priority").keySet().equals(Set.of(medium)));

        filter("status", "");
        filter("priority", "");
        until(d -> visibleRows("data-id").keySet().containsAll(List.of(high, low, medium)));
        WebElement search = driver.findElement(By.cssSelector("#filters input[name=search]"));
        search.sendKeys(low.substring(low.length() - 12));
        until(d -> visibleRows("data-id").keySet().equals(Set.of(low)));
        search.clear();
        search.sendKeys(high);
        until(d -> high.equals(d.findElement(By.id("detail")).getDomAttribute("data-id")));
    }

    @Test
    void aBusyQueueShowsWaitingWorkStartsByPriorityAndThroughputInLightAndDarkAndOnAPhone() {
        browser();
        call("POST", "/queue/pause", OPS, null);
        ingest(OPS, "LOW", 1, 12);
        String big = ingest(OPS, "LOW", 100, 249);
        ingest(OPS, "MEDIUM", 1, 30);
        ingest(OPS, "HIGH", 1, 12);
        ChromeDriver page = openAs(OPS);
        // other tests' work may still be waiting too
        until(d -> Integer.parseInt(text(".card.prio[data-priority=LOW] [data-field=batches]")) >= 54);
        call("POST", "/queue/resume", OPS, null);

        for (String priority : List.of("HIGH", "MEDIUM", "LOW")) {
            until(d -> !d.findElements(By.cssSelector("#timeline .tick.p-" + priority))
                    .isEmpty());
        }
        until(d -> Integer.parseInt(
                        d.findElement(By.cssSelector("#throughput svg")).getDomAttribute("data-fetched"))
                >= 42);
        click(rowSelector(big) + " button");
        until(d -> statuses("#batches tbody tr").contains("completed"));
        assertThat(text(".card.prio[data-priority=LOW] [data-field=batches]")).isNotEqualTo("0");

        String light = background(page);
        screenshot(page, "dashboard.png");
        Chromium.colourScheme(page, "dark");
        until(d -> !background(page).equals(light));
        screenshot(page, "dashboard-dark.png");
        Chromium.colourScheme(page, "light");

        page.manage().window().setSize(new Dimension(390, 844));
        try {
            until(d -> ((Number) page.executeScript("return window.innerWidth")).intValue() <= 400);
            assertThat(page.executeScript("return document.documentElement.scrollWidth <= window.innerWidth"))
                    .as("the page fits a phone's width without scrolling sideways")
                    .isEqualTo(true);
        } finally {
            page.manage().window().setSize(new Dimension(1400, 1000));
        }
    }

    @Test
    void theEventStreamReaderSendsTheKeyAndHandsOverEachEventAsItArrives() {
        ChromeDriver page = openAs(TEAM);
        page.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        String result = (String) page.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                Promise.all([import('/dashboard/sse.js'), import('/dashboard/live.js')]).then(async ([sse, live]) => {
                  const parsed = [];
                  const parser = sse.eventParser((e) => parsed.push(e));
                  // one character at a time, so that a CRLF is split across chunks too
                  for (const c of 'event: queue\\r\\ndata: {"a":\\r\\ndata: 1}\\r\\n\\r\\n: keep-alive\\n\\nid: 7\\ndata:plain\\n\\n') {
                    parser.push(c);
                  }
                  // the stub stream stays open: the reader must hand events over before the end
                  const streamed = [];
                  const abort = new AbortController();
                  await live.openEventStream('/test/stream', (e) => {
                    streamed.push(e);
                    if (streamed.length === 2) abort.abort();
                  }, abort.signal).catch(() => {});
                  done(JSON.stringify({ parsed, streamed }));
                }).catch((e) => done(JSON.stringify({ error: String(e) })));
                """);
        JsonNode events = JsonMapper.shared().readTree(result);
        assertThat(events.has("error")).as(result).isFalse();
        assertThat(events.get("parsed").get(0).get("type").asString()).isEqualTo("queue");
        assertThat(events.get("parsed").get(0).get("data").asString()).isEqualTo("{\"a\":\n1}");
        assertThat(events.get("parsed").get(1).get("type").asString()).isEqualTo("message");
        assertThat(events.get("parsed").get(1).get("data").asString()).isEqualTo("plain");
        assertThat(events.get("parsed").get(1).get("id").asString()).isEqualTo("7");
        assertThat(events.get("streamed").get(0).get("type").asString()).isEqualTo("queue");
        assertThat(events.get("streamed").get(0).get("data").asString()).isEqualTo("{\"paused\":false}");
        assertThat(events.get("streamed").get(1).get("type").asString()).isEqualTo("batch");
    }

    /** An event stream that sends two events and stays open, as GET /events will; closed with keys like it. */
    @RestController
    static class StubStream {

        static final List<SseEmitter> OPEN = new CopyOnWriteArrayList<>();

        @GetMapping("/test/stream")
        SseEmitter stream() throws IOException {
            SseEmitter emitter = new SseEmitter(Duration.ofMinutes(1).toMillis());
            OPEN.add(emitter);
            emitter.send(SseEmitter.event().name("queue").data("{\"paused\":false}", MediaType.APPLICATION_JSON));
            emitter.send(SseEmitter.event().comment("keep-alive"));
            emitter.send(SseEmitter.event()
                    .name("batch")
                    .data("{\"kind\":\"started\",\"priority\":\"HIGH\"}", MediaType.APPLICATION_JSON));
            return emitter;
        }
    }

    // --- the browser ---------------------------------------------------------------------------

    ChromeDriver browser() {
        if (driver == null) {
            driver = Chromium.start(folder.resolve("profile"));
        }
        return driver;
    }

    String base() {
        return "http://127.0.0.1:" + port + "/";
    }

    /** Loads the page with {@code key} already in the tab's storage, and waits for its first figures. */
    ChromeDriver openAs(String key) {
        ChromeDriver page = browser();
        page.get(base());
        page.executeScript("sessionStorage.setItem('ingest.api-key', arguments[0])", key);
        page.navigate().refresh();
        until(d -> text("#in-flight").matches("\\d+"));
        return page;
    }

    <T> T until(Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, PATIENCE)
                .pollingEvery(Duration.ofMillis(100))
                .ignoring(StaleElementReferenceException.class)
                .until(condition);
    }

    String text(String css) {
        return until(d -> d.findElement(By.cssSelector(css)).getText());
    }

    /** Found afresh and clicked, again if the page re-rendered it in between (live updates do). */
    void click(String css) {
        until(d -> {
            d.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    void enterKey(String key) {
        WebElement input = driver.findElement(By.cssSelector("#key-dialog input[name=key]"));
        until(d -> input.isDisplayed());
        input.clear();
        input.sendKeys(key);
        click("#key-dialog button[type=submit]");
    }

    void filter(String name, String value) {
        until(d -> {
            new Select(d.findElement(By.cssSelector("#filters select[name=" + name + "]"))).selectByValue(value);
            return true;
        });
    }

    static String rowSelector(String id) {
        return "#ingestions tbody tr[data-id='" + id + "']";
    }

    WebElement row(String id) {
        return driver.findElement(By.cssSelector(rowSelector(id)));
    }

    List<String> statuses(String css) {
        return attributes(css, "data-status");
    }

    List<String> attributes(String css, String attribute) {
        return driver.findElements(By.cssSelector(css)).stream()
                .map(e -> e.getDomAttribute(attribute))
                .toList();
    }

    /** The list's visible rows: ingestion id to the attribute's value. */
    Map<String, String> visibleRows(String attribute) {
        return driver.findElements(By.cssSelector("#ingestions tbody tr")).stream()
                .filter(WebElement::isDisplayed)
                .collect(Collectors.toMap(e -> e.getDomAttribute("data-id"), e -> e.getDomAttribute(attribute)));
    }

    static String background(ChromeDriver page) {
        return (String) page.executeScript("return getComputedStyle(document.body).backgroundColor");
    }

    /** Kept under docs/ when -Ddashboard.screenshots names that folder (the README shows them). */
    static void screenshot(ChromeDriver page, String name) {
        String folder = System.getProperty("dashboard.screenshots");
        if (folder != null) {
            Chromium.save(Chromium.page(page, 1250), Path.of(folder, name));
        }
    }

    // --- the API -------------------------------------------------------------------------------

    HttpResponse<String> call(String method, String path, String key, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String ingest(String key, String priority, int from, int to) {
        String ids = IntStream.rangeClosed(from, to).mapToObj(String::valueOf).collect(Collectors.joining(","));
        HttpResponse<String> answer =
                call("POST", "/ingest", key, "{\"ids\": [" + ids + "], \"priority\": \"" + priority + "\"}");
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return JsonMapper.shared().readTree(answer.body()).get("ingestion_id").asString();
    }

    String status(String id) {
        return JsonMapper.shared()
                .readTree(call("GET", "/status/" + id, OPS, null).body())
                .get("status")
                .asString();
    }

    JsonNode queue() {
        return JsonMapper.shared().readTree(call("GET", "/queue", OPS, null).body());
    }
}
