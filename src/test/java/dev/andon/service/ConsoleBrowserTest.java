package dev.andon.service;

import static dev.andon.service.TestService.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogEntry;

/**
 * The web console in a real headless chromium: the demo from the jobs page to its seed outcome,
 * the Abort button, a stream cut by the network, the token prompt, a clean browser log (no
 * errors, no Content-Security-Policy violations), and a run of 10,000 calls. Screenshots go to
 * target/console-*.png.
 */
class ConsoleBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(40);
    private static TestService server;
    private static Browser browser;

    @BeforeAll
    static void start() {
        server = TestService.start("""
                andon.jobs {
                  demo {
                    description = "five sleeps of 0..4 s; c2 fails, c3 and c4 are aborted"
                    calls = [
                      { name = c0, kind = sleep, duration = 0s }
                      { name = c1, kind = sleep, duration = 1s }
                      { name = c2, kind = sleep, duration = 2s, fail = "don't like 2" }
                      { name = c3, kind = sleep, duration = 3s }
                      { name = c4, kind = sleep, duration = 4s }
                    ]
                  }
                  talk { abort-grace = 5s, calls = [ { name = chat, kind = command,
                    shell = "i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo line $i; sleep 0.02; done; exec sleep 60" } ] }
                  nightly { schedule { cron = "0 3 * * *", time-zone = "Europe/Berlin" }, calls = [ { name = n, kind = sleep, duration = 10ms } ] }
                  steps { abort-grace = 5s, calls = [ { name = one, kind = sleep, duration = 300ms },
                                    { name = two, kind = sleep, duration = 6s }, { name = three, kind = sleep, duration = 120s } ] }
                }
                """);
        browser = Browser.start(1200, 800);
    }

    @AfterAll
    static void stop() {
        if (browser != null) browser.close();
        // Connections this class cuts (the proxy, the browser leaving, a client too slow) leave
        // Akka's TCP layer some writes to undeliver: TestService does not count those.
        if (server != null) server.close();
    }

    @AfterEach
    void browserLogIsClean() {
        List<LogEntry> bad = browser.log().stream()
                .filter(e -> e.getLevel().intValue() >= Level.WARNING.intValue()
                        || e.getMessage().contains("Content Security Policy") || e.getMessage().contains("Content-Security-Policy"))
                .toList();
        assertEquals(List.of(), bad.stream().map(LogEntry::getMessage).toList(), "the browser's console");
    }

    private void open(String hash) {
        browser.driver.get(server.base + "/" + hash);
    }

    /** Clicks {@code css}, again if the page redrew it between finding and clicking. */
    private void click(String css) {
        browser.await("clicked " + css, WAIT, () -> {
            browser.driver.findElement(By.cssSelector(css)).click();
            return true;
        });
    }

    /** The text of {@code css}, found again if the page redrew it between finding and reading. */
    private String text(String css) {
        for (int attempt = 1; ; attempt++) {
            try {
                return browser.driver.findElement(By.cssSelector(css)).getText();
            } catch (org.openqa.selenium.StaleElementReferenceException e) {
                if (attempt == 20) throw e;
            }
        }
    }

    /** The drawn rows' statuses by call, read in one script (a loaded machine makes each round trip slow). */
    @SuppressWarnings("unchecked")
    /**
     * Waits for the timeline's rows to show {@code expected}: the timeline draws on the next
     * animation frame (many events, one drawing), so right after the run's status has changed in
     * the header its rows may not have been drawn yet (both are painted in the same frame).
     */
    private void awaitRows(Map<String, String> expected) {
        try {
            browser.await("rows " + expected, WAIT, () -> rowStatuses().equals(expected));
        } catch (AssertionError e) {
            assertEquals(expected, rowStatuses(), e.getMessage());
        }
    }

    private Map<String, String> rowStatuses() {
        return new java.util.TreeMap<>((Map<String, String>) browser.js(
                "const m = {}; for (const g of document.querySelectorAll('#timeline g.row')) m[g.dataset.call] = g.dataset.status; return m;"));
    }

    @Test
    void shouldRunTheDemoFromTheJobsPageAndDrawItsSeedOutcome() {
        open("#/jobs");
        browser.await("the catalog shown", WAIT, () -> !browser.driver.findElements(By.cssSelector("button[data-job=demo]")).isEmpty());
        browser.driver.findElement(By.cssSelector("button[data-job=demo]")).click();
        browser.await("on the run's page", WAIT, () -> browser.driver.getCurrentUrl().contains("#/runs/r-"));
        browser.await("the run FAILED", WAIT, () -> text("#run-status").equals("FAILED"));
        assertTrue(((Number) browser.js("return window.andonConsole.stats.events")).longValue() > 0, "followed its events");
        awaitRows(Map.of("c0", "SUCCEEDED", "c1", "SUCCEEDED", "c2", "FAILED", "c3", "ABORTED", "c4", "ABORTED"));
        // Each status as text too, not only as a colour.
        for (WebElement g : browser.driver.findElements(By.cssSelector("#timeline g.row")))
            assertEquals(g.getAttribute("data-status"), g.findElement(By.cssSelector("text.label")).getText());
        for (String c : List.of("c3", "c4"))
            assertEquals(1, browser.driver.findElements(By.cssSelector("#timeline g.row[data-call=" + c + "] rect.abort")).size(), c + "'s ack span");
        assertEquals(0, browser.driver.findElements(By.cssSelector("#timeline g.row[data-call=c1] rect.abort")).size());
        assertFalse(browser.driver.findElements(By.cssSelector("#timeline svg.tl-rows line.cord")).isEmpty(), "the cord marker");
        assertTrue(text("#cord").contains("c2 failed"), text("#cord"));
        assertEquals(List.of(), tickLabelsUnderTheCord(), "tick labels the cord's label covers");
        assertTrue(browser.driver.findElement(By.id("abort")).getAttribute("hidden") != null, "no Abort for a finished run");

        // Details by keyboard: to c2's row, Enter.
        browser.js("document.querySelector('#timeline g.row[data-call=c0]').focus()");
        new Actions(browser.driver).sendKeys(Keys.ARROW_DOWN).perform();
        browser.await("c1 focused", WAIT, () -> "c1".equals(browser.js("return document.activeElement.dataset.call")));
        new Actions(browser.driver).sendKeys(Keys.ARROW_DOWN).perform();
        browser.await("c2 focused", WAIT, () -> "c2".equals(browser.js("return document.activeElement.dataset.call")));
        new Actions(browser.driver).sendKeys(Keys.ENTER).perform();
        browser.await("c2's details", WAIT, () -> text("#details").contains("don't like 2"));
        assertTrue(text("#details").contains("andon-blocking"), "its thread: " + text("#details"));
        browser.screenshot("console-demo");

        // The same page dark, and at 320 px wide.
        browser.colourScheme("dark");
        browser.screenshot("console-demo-dark");
        browser.colourScheme("light");
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(320, 700));
        browser.await("drawn narrow", WAIT, () -> ((Number) browser.js(
                "return document.querySelector('#timeline svg.tl-rows').getBoundingClientRect().right")).doubleValue() <= 320);
        long overflow = ((Number) browser.js("return document.documentElement.scrollWidth")).longValue();
        assertTrue(overflow <= 320, "no sideways scrolling at 320 px: " + overflow);
        assertEquals(List.of(), tickLabelsUnderTheCord(), "tick labels the cord's label covers at 320 px");
        assertTrue(((Number) browser.js("const t = document.querySelector('#timeline .tl-axis text.cordtext').getBoundingClientRect();"
                + " return t.right - document.querySelector('#timeline .tl-axis').getBoundingClientRect().right")).doubleValue() <= 0,
                "the cord's label inside the picture at 320 px");
        browser.screenshot("console-demo-320");
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1200, 800));
    }

    /** The axis' tick labels that overlap the cord's label, as "label" strings. */
    @SuppressWarnings("unchecked")
    private List<String> tickLabelsUnderTheCord() {
        return (List<String>) browser.js("""
                const cord = document.querySelector('#timeline .tl-axis text.cordtext');
                if (!cord) return ['no cord label'];
                const c = cord.getBoundingClientRect();
                return [...document.querySelectorAll('#timeline .tl-axis text.tick')].filter((t) => {
                  const r = t.getBoundingClientRect();
                  return r.left < c.right && c.left < r.right && r.top < c.bottom && c.top < r.bottom;
                }).map((t) => t.textContent);""");
    }

    @Test
    void shouldShowARunningCommandsOutputLiveFromItsNewestLine() {
        String id = server.startJob("talk");
        open("#/runs/" + id);
        browser.await("chat running", WAIT, () -> "RUNNING".equals(rowStatuses().get("chat")));
        browser.js("document.querySelector('#timeline g.row[data-call=chat]').focus()");
        new Actions(browser.driver).sendKeys(Keys.ENTER).perform();
        browser.await("its output shown", WAIT, () -> text("#output").contains("line 1\n"));
        // Live: later lines come while it runs, and the tail stays in view (scrolled to its end).
        browser.await("more lines", WAIT, () -> text("#output").contains("line 200"));
        double fromEnd = ((Number) browser.js("const p = document.getElementById('output'); return p.scrollHeight - p.clientHeight - p.scrollTop")).doubleValue();
        assertTrue(fromEnd <= 4, "the output's newest line in view: " + fromEnd + " px from the end");
        assertTrue(((Number) browser.js("const p = document.getElementById('output'); return p.scrollHeight - p.clientHeight")).doubleValue() > 0,
                "more output than fits (else its end is trivially in view)");
        browser.screenshot("console-output");
        assertEquals(202, server.post("/runs/" + id + "/abort", "").statusCode());
        browser.await("the run ABORTED", WAIT, () -> text("#run-status").equals("ABORTED"));
    }

    @Test
    void shouldAbortARunningRunWithTheButton() {
        String id = server.startJob("slow");
        open("#/runs/" + id);
        browser.await("both calls running", WAIT, () -> rowStatuses().equals(Map.of("s1", "RUNNING", "s2", "RUNNING")));
        String before = text("#clock");
        browser.await("the clock ticking", WAIT, () -> !text("#clock").equals(before));
        browser.driver.findElement(By.id("abort")).click();
        browser.await("the run ABORTED", WAIT, () -> text("#run-status").equals("ABORTED"));
        awaitRows(Map.of("s1", "ABORTED", "s2", "ABORTED"));
        assertTrue(text("#cord").contains(ServiceRoutes.ABORT_REASON), text("#cord"));
        assertEquals("ABORTED", json(server.get("/runs/" + id)).get("status").asText());
    }

    @Test
    void shouldFollowTheRunAgainAfterTheConnectionIsCut() throws Exception {
        try (DroppingProxy proxy = new DroppingProxy(server.service.address().getPort())) {
            String id = server.startJob("steps");
            browser.driver.get("http://127.0.0.1:" + proxy.port() + "/#/runs/" + id);
            browser.await("one done", WAIT, () -> "SUCCEEDED".equals(rowStatuses().get("one")));
            // Some of the run's events came through the stream (not only its snapshot): then cut it.
            browser.await("events followed", WAIT, () -> ((Number) browser.js("return window.andonConsole.stats.events")).longValue() > 0);
            // Two's end is to come: the page can learn it only from the stream it resumes.
            assertEquals("RUNNING", rowStatuses().get("two"));
            assertEquals("RUNNING", rowStatuses().get("three"));
            proxy.dropAll();
            // What happens after the cut reaches the page through the new connection.
            try {
                browser.await("two done", WAIT, () -> "SUCCEEDED".equals(rowStatuses().get("two")));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nstats: " + browser.js("return JSON.stringify(window.andonConsole.stats)")
                        + "\nevents requests: " + proxy.requests.stream().filter(r -> r.contains("/events")).toList()
                        + "\nserver: " + server.events(id).stream().map(x -> x.id() + " " + x.type() + " " + x.data()).toList(), e);
            }
            assertEquals(202, server.post("/runs/" + id + "/abort", "").statusCode());
            browser.await("the run ABORTED", WAIT, () -> text("#run-status").equals("ABORTED"));
            awaitRows(Map.of("one", "SUCCEEDED", "three", "ABORTED", "two", "SUCCEEDED"));
            assertTrue(proxy.requests.stream().anyMatch(r -> r.startsWith("GET /runs/" + id + "/events")
                            && r.toLowerCase().contains("last-event-id: ")),
                    "a reconnect with Last-Event-ID: " + proxy.requests.stream().filter(r -> r.contains("/events")).toList());
        }
        // The cut connections are network errors the browser logs (the event stream's, and a
        // request that was on a cut connection); they are what this test made, and all it may log.
        browser.log().stream().map(LogEntry::getMessage)
                .filter(m -> !m.matches("(?s).*net::ERR_(INCOMPLETE_CHUNKED_ENCODING|CONNECTION_RESET|CONNECTION_CLOSED|EMPTY_RESPONSE).*"))
                .forEach(m -> { throw new AssertionError("browser log: " + m); });
    }

    @Test
    void shouldDrawARunOfTenThousandCallsQuicklyAndKeepUpWithItsEvents() {
        String calls = IntStream.range(0, 10_000).mapToObj(i -> "{\"name\":\"c" + i + "\",\"kind\":\"sleep\",\"duration\":\"20ms\"}")
                .collect(Collectors.joining(","));
        open("#/runs");
        browser.await("the console loaded", WAIT, () -> text("#conn").equals("live"));
        var posted = server.post("/runs", "{\"max-parallelism\": 64, \"calls\": [" + calls + "]}");
        assertEquals(202, posted.statusCode(), posted.body());
        String id = json(posted).get("id").asText();
        // Live: the page follows every event of the run as it happens (some 3 s of them).
        browser.js("location.hash = arguments[0]", "#/runs/" + id);
        browser.await("the run SUCCEEDED", Duration.ofSeconds(120), () -> text("#run-status").equals("SUCCEEDED"));
        Map<?, ?> stats = (Map<?, ?>) browser.js("return window.andonConsole.stats");
        double seconds = (((Number) stats.get("lastAt")).doubleValue() - ((Number) stats.get("firstAt")).doubleValue()) / 1000;
        long events = ((Number) stats.get("events")).longValue();
        System.out.printf("console: %d events of a 10,000-call run followed in %.1f s (%.0f events/s), longest frame gap %.0f ms%n",
                events, seconds, events / seconds, ((Number) stats.get("maxFrameGap")).doubleValue());
        assertEquals(20_002, events, "the run's start, every call's start and end, the run's end");
        // A client that falls sse-buffer events behind is cut off by the service; the console
        // reconnects after the last event it saw and misses none (the count above). Those cuts
        // are the only thing the browser may log here.
        long cuts = browser.log().stream().filter(e -> {
            if (e.getMessage().contains("/runs/" + id + "/events") && e.getMessage().contains("ERR_CONNECTION_RESET")) return true;
            throw new AssertionError("browser log: " + e.getMessage());
        }).count();
        System.out.println("console: cut off as too slow (and reconnected) " + cuts + " times");

        // Finished: the page of 10,000 rows is drawn in under 2 s, only the rows in view.
        open("#/runs/" + id);
        browser.await("rendered", Duration.ofSeconds(30), () -> browser.js("return window.andonConsole && window.andonConsole.renderMs") != null);
        long renderMs = ((Number) browser.js("return window.andonConsole.renderMs")).longValue();
        long fetchMs = ((Number) browser.js("return window.andonConsole.fetchMs")).longValue();
        long drawMs = ((Number) browser.js("return window.andonConsole.drawMs")).longValue();
        System.out.println("console: a finished 10,000-call run shown in " + renderMs + " ms: " + fetchMs
                + " ms for its report (" + server.get("/runs/" + id).body().length() / 1024 + " KiB), " + drawMs + " ms to parse and draw it");
        // The console's own part; the report's transfer is the service's, and the machine's load.
        assertTrue(drawMs < 2000, "parsed and drawn in " + drawMs + " ms");
        int drawn = browser.driver.findElements(By.cssSelector("#timeline g.row")).size();
        assertTrue(drawn > 10 && drawn < 200, drawn + " rows drawn");
        browser.js("document.querySelector('.tl-scroll').scrollTop = 1e9");
        browser.await("the last row drawn", WAIT, () -> !browser.driver.findElements(By.cssSelector("#timeline g.row[data-call=c9999]")).isEmpty());
        browser.screenshot("console-10000");
    }

    @Test
    void shouldListRunsLiveFromTheServiceWideEvents() {
        open("#/runs");
        browser.await("the runs page live", WAIT, () -> text("#conn").equals("live"));
        String id = server.startJob("quick");
        browser.await("the new run listed", WAIT, () -> !browser.driver.findElements(By.cssSelector("tr[data-run=" + id + "]")).isEmpty());
        browser.await("it SUCCEEDED", WAIT, () -> browser.driver.findElement(By.cssSelector("tr[data-run=" + id + "] .st")).getText().equals("SUCCEEDED"));
        browser.driver.findElement(By.cssSelector("#f-status option[value=FAILED]")).click();
        browser.await("filtered", WAIT, () -> browser.driver.getCurrentUrl().contains("status=FAILED")
                && browser.driver.findElements(By.cssSelector("tr[data-run=" + id + "]")).isEmpty());
        browser.screenshot("console-runs");
        // Narrow and dark: one block per run, nothing to scroll sideways.
        open("#/runs");
        browser.await("listed again", WAIT, () -> !browser.driver.findElements(By.cssSelector("tr[data-run=" + id + "]")).isEmpty());
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(320, 700));
        browser.colourScheme("dark");
        try {
            browser.await("laid out narrow", WAIT, () -> ((Number) browser.js("return document.documentElement.scrollWidth")).longValue() <= 320);
            assertTrue(text("tr[data-run=" + id + "]").contains("SUCCEEDED"), text("tr[data-run=" + id + "]"));
            browser.screenshot("console-runs-320-dark");
        } finally {
            browser.colourScheme("light");
            browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(1200, 800));
        }
    }

    @Test
    void shouldShowSchedulesAndPauseResumeAndTriggerThem() {
        open("#/schedules");
        browser.await("the schedule listed", WAIT, () -> !browser.driver.findElements(By.cssSelector("tr[data-job=nightly]")).isEmpty());
        String row = text("tr[data-job=nightly]");
        assertTrue(row.contains("cron 0 3 * * * (Europe/Berlin)") && row.contains("active"), row);
        assertEquals(3, browser.driver.findElements(By.cssSelector("tr[data-job=nightly] td:nth-child(3) div")).size(), row);
        click("tr[data-job=nightly] button[data-action=pause]");
        browser.await("paused", WAIT, () -> text("tr[data-job=nightly] .state").equals("paused"));
        click("tr[data-job=nightly] button[data-action=resume]");
        browser.await("active again", WAIT, () -> text("tr[data-job=nightly] .state").equals("active"));
        browser.screenshot("console-schedules");
        click("tr[data-job=nightly] button[data-action=trigger]");
        browser.await("the fired run's page", WAIT, () -> browser.driver.getCurrentUrl().contains("#/runs/r-"));
        browser.await("it SUCCEEDED", WAIT, () -> text("#run-status").equals("SUCCEEDED"));
    }

    @Test
    void shouldAskForTheTokenOnceAndSendItAsABearerHeader() {
        try (TestService secured = TestService.start("andon.http.auth-token = \"s3cret-token\"")) {
            browser.driver.get(secured.base + "/#/jobs");
            browser.await("the token asked", WAIT, () -> browser.driver.findElement(By.id("token-dialog")).getAttribute("open") != null);
            browser.driver.findElement(By.id("token-input")).sendKeys("wrong", Keys.ENTER);
            browser.await("a wrong token refused", WAIT, () -> text("#token-error").contains("refused"));
            browser.driver.findElement(By.id("token-input")).sendKeys("s3cret-token", Keys.ENTER);
            browser.await("the catalog shown", WAIT, () -> !browser.driver.findElements(By.cssSelector("button[data-job=quick]")).isEmpty());
            assertEquals("s3cret-token", browser.js("return sessionStorage.getItem('andon.token')"));
            assertFalse(browser.driver.getCurrentUrl().contains("s3cret"), browser.driver.getCurrentUrl());
            assertTrue(((JavascriptExecutor) browser.driver).executeScript("return document.cookie").toString().isEmpty());
            // Asked once: a reload in the same tab goes straight on.
            browser.driver.navigate().refresh();
            browser.await("the catalog shown again", WAIT, () -> !browser.driver.findElements(By.cssSelector("button[data-job=quick]")).isEmpty());
            assertTrue(browser.driver.findElement(By.id("token-dialog")).getAttribute("open") == null);
            browser.screenshot("console-jobs");
            browser.js("sessionStorage.clear()");
        }
        // The 401s before the token was given are logged by the browser as failed loads.
        browser.log().stream().map(LogEntry::getMessage).filter(m -> !m.contains("401"))
                .forEach(m -> { throw new AssertionError("browser log: " + m); });
    }
}
