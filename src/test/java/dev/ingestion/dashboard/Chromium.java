package dev.ingestion.dashboard;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * Debian's headless Chromium, driven through Debian's chromedriver. Both paths are given, so
 * Selenium Manager never looks for (or downloads) a driver or a browser. Where either is missing
 * the browser tests are skipped, and say so on the console and in the report.
 */
final class Chromium {

    static final Path DRIVER = Path.of(System.getProperty("webdriver.chrome.driver", "/usr/bin/chromedriver"));
    static final Path BROWSER = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));

    /**
     * Selenium warns at every start that it has no DevTools classes for this Chromium; the tests
     * use none but one plain command, which chromedriver carries. Held here, since the logging
     * framework keeps loggers weakly.
     */
    private static final Logger CDP_VERSION = quiet("org.openqa.selenium.devtools.CdpVersionFinder");

    private static final AtomicBoolean NOTICE_PRINTED = new AtomicBoolean();

    private Chromium() {}

    private static Logger quiet(String name) {
        Logger logger = Logger.getLogger(name);
        logger.setLevel(Level.OFF);
        return logger;
    }

    /** Aborts the calling test (reported as skipped, with why) unless both programs are here. */
    static void assumeInstalled() {
        List<String> missing = new ArrayList<>();
        if (!Files.isExecutable(BROWSER)) {
            missing.add(BROWSER.toString());
        }
        if (!Files.isExecutable(DRIVER)) {
            missing.add(DRIVER.toString());
        }
        if (!missing.isEmpty()) {
            String notice = "SKIPPED: the dashboard's browser tests need " + String.join(" and ", missing)
                    + "; install Debian's packages with `apt-get install chromium chromium-driver`"
                    + " (or point -Dchromium.binary and -Dwebdriver.chrome.driver at them)";
            if (!NOTICE_PRINTED.getAndSet(true)) {
                System.out.println("\n*** " + notice + " ***\n");
            }
            Assumptions.abort(notice);
        }
    }

    /** A new headless browser with a fresh profile in {@code profile}, its console kept for the tests. */
    static ChromeDriver start(Path profile) {
        assumeInstalled();
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogOutput(OutputStream.nullOutputStream())
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File(BROWSER.toString()));
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                // without these, Chromium calls home at start: refused on a closed network, and slow
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--hide-scrollbars",
                "--window-size=1400,1000",
                "--user-data-dir=" + profile.toAbsolutePath());
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        return new ChromeDriver(service, options);
    }

    /** Emulates the OS's colour scheme, as {@code prefers-color-scheme} sees it. */
    static void colourScheme(ChromeDriver driver, String scheme) {
        driver.executeCdpCommand(
                "Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    /** A PNG of the page below the fold too, at the window's width, up to {@code most} pixels down. */
    @SuppressWarnings("unchecked")
    static byte[] page(ChromeDriver driver, int most) {
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        Map<String, Number> size = (Map<String, Number>) metrics.get("cssContentSize");
        Map<String, Object> shot = driver.executeCdpCommand(
                "Page.captureScreenshot",
                Map.of(
                        "format",
                        "png",
                        "captureBeyondViewport",
                        true,
                        "clip",
                        Map.of(
                                "x", 0,
                                "y", 0,
                                "width", size.get("width"),
                                "height", Math.min(most, size.get("height").intValue()),
                                "scale", 1)));
        return Base64.getDecoder().decode((String) shot.get("data"));
    }

    static void save(byte[] png, Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
