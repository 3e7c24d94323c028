package dev.andon.service;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * A real headless browser for the console's tests: Debian's chromium driven through its
 * chromedriver, both named explicitly, so that Selenium never looks for (or downloads) others.
 * Each has a fresh profile, removed on close.
 */
final class Browser implements AutoCloseable {
    static final String CHROMIUM = "/usr/bin/chromium";
    static final String CHROMEDRIVER = "/usr/bin/chromedriver";

    final ChromeDriver driver;
    private final Path profile;

    private Browser(ChromeDriver driver, Path profile) {
        this.driver = driver;
        this.profile = profile;
    }

    static Browser start(int width, int height) {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute())
            throw new IllegalStateException(CHROMIUM + " and " + CHROMEDRIVER
                    + " are needed: apt-get install -y chromium chromium-driver (scripts/test does it)");
        Path profile;
        try {
            profile = Files.createTempDirectory("andon-chromium");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        // As root (CI containers) chromium needs --no-sandbox; the rest keeps it quiet and offline.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-extensions", "--disable-default-apps", "--user-data-dir=" + profile,
                "--window-size=" + width + "," + height);
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        return new Browser(new ChromeDriver(service, options), profile);
    }

    /** The browser's console messages since the last call. */
    List<LogEntry> log() {
        return new ArrayList<>(driver.manage().logs().get(LogType.BROWSER).getAll());
    }

    /** Emulates a dark (or light) colour-scheme preference. */
    void colourScheme(String scheme) {
        driver.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    /** Saves a screenshot as target/{name}.png and returns its path. */
    Path screenshot(String name) {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Path to = Path.of("target", name + ".png");
        try {
            Files.createDirectories(to.getParent());
            Files.copy(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return to;
    }

    Object js(String script, Object... args) {
        return driver.executeScript(script, args);
    }

    /** Waits for {@code condition}, polling; fails with {@code what} and the page's text. */
    void await(String what, Duration within, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + within.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.get())) return;
                last = null;
            } catch (RuntimeException e) {
                last = e; // e.g. an element replaced while we read it
            }
            TestService.sleep(25);
        }
        String text;
        try {
            screenshot("console-failure");
            text = driver.findElement(org.openqa.selenium.By.tagName("main")).getText();
        } catch (RuntimeException e) {
            text = String.valueOf(e);
        }
        throw new AssertionError("not " + what + " within " + within + "; the page says:\n" + text, last);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir left behind
            }
        }
    }
}
