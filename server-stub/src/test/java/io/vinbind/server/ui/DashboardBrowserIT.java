package io.vinbind.server.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.server.BindingServer;
import io.vinbind.server.Fixtures;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.TestTerminal;
import io.vinbind.server.auth.Role;
import io.vinbind.server.binding.RebindPolicy;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: Debian's chromium, headless, driven through chromium-driver (WebDriver), against
 * a running server with real terminals on its embedded broker. Screenshots are kept in
 * {@code server-stub/target/screenshots/}. Reports itself skipped, naming what is missing, without chromium and
 * chromium-driver (CI's .ci/run installs both).
 */
class DashboardBrowserIT {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TempDir
    Path dir;
    BindingServer server;
    WebDriver browser;
    WebDriverWait wait;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER),
            "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver): apt-get install chromium chromium-driver");
        server = BindingServer.start(ServerConfig.ephemeral(dir.resolve("server")).withRebindPolicy(RebindPolicy.HOLD));
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-dev-shm-usage", "--window-size=1024,900", "--user-data-dir=" + dir.resolve("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
            .usingAnyFreePort().withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        browser = new ChromeDriver(service, o);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(30));
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterEach
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    private void screenshot(String name) throws Exception {
        File f = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private void signIn(String token) {
        signIn(server, token);
    }

    private void signIn(BindingServer at, String token) {
        browser.get(at.httpBaseUri().resolve("/ui/").toString());
        WebElement field = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        field.sendKeys(token, Keys.ENTER); // the keyboard alone signs in
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("nav")));
    }

    /** A wait that looks again when the element it read was replaced meanwhile (live pages redraw their rows). */
    private WebDriverWait patient(int seconds) {
        WebDriverWait w = new WebDriverWait(browser, Duration.ofSeconds(seconds));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return w;
    }

    /** Clicks what {@code by} finds once it is clickable, finding it again if the page redrew it meanwhile. */
    private void click(By by) {
        patient(20).until(d -> {
            WebElement e = ExpectedConditions.elementToBeClickable(by).apply(d);
            if (e == null) {
                return false;
            }
            e.click();
            return true;
        });
    }

    private String alert() {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("alert"))).getText();
    }

    @Test
    void after_sales_finds_a_vehicle_and_approves_its_held_rebind() throws Exception {
        String imsiA = Fixtures.imsi(801);
        String imsiB = Fixtures.imsi(802);
        String vin = Fixtures.vin(801);
        String factory = Fixtures.token(server, Role.FACTORY);
        String csv = "imsi,iccid,imei\n" + imsiA + "," + Fixtures.iccidOf(imsiA) + "," + Fixtures.imeiOf(imsiA) + "\n"
            + imsiB + "," + Fixtures.iccidOf(imsiB) + "," + Fixtures.imeiOf(imsiB) + "\n";
        HttpResponse<String> imported = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                server.httpBaseUri().resolve("/modems/import")).header("Authorization", "Bearer " + factory)
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString(csv)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, imported.statusCode(), imported.body());
        try (TestTerminal a = new TestTerminal(server, imsiA, Fixtures.iccidOf(imsiA), Fixtures.imeiOf(imsiA));
             TestTerminal b = new TestTerminal(server, imsiB, Fixtures.iccidOf(imsiB), Fixtures.imeiOf(imsiB))) {
            a.login();
            b.login();
            assertEquals(BindOutcome.BOUND, a.bind(vin).outcome());
            BindRequest takeover = b.request(vin);
            assertEquals(BindOutcome.PENDING, b.bind(takeover).outcome());

            // a viewer finds the vehicle: its binding and its history
            signIn(Fixtures.token(server, Role.VIEWER));
            browser.findElement(By.id("find-value")).sendKeys(vin, Keys.ENTER);
            WebElement card = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("binding-card")));
            assertTrue(card.getText().contains(imsiA), card.getText());
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("history"), "REBIND_HELD"));
            WebElement firstTime = browser.findElement(By.cssSelector("#history time"));
            assertTrue(firstTime.getAttribute("title").startsWith("UTC 20"), firstTime.getAttribute("title"));
            screenshot("vehicle");
            browser.manage().window().setSize(new org.openqa.selenium.Dimension(768, 1024)); // a tablet, portrait
            Object overflow = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth;");
            assertTrue(((Number) overflow).intValue() <= 0, "the page scrolls sideways on a tablet by " + overflow + " px");
            screenshot("vehicle-tablet");

            // the viewer may not decide: the 403 says which role is missing
            browser.findElement(By.cssSelector("a[data-page=holds]")).click();
            WebElement approve = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#holds button")));
            approve.click();
            String refusal = alert();
            assertTrue(refusal.startsWith("Not allowed: this needs role after-sales"), refusal);
            screenshot("hold-refused");

            // after-sales approves it; the terminal hears REBOUND with its request id
            browser.findElement(By.id("sign-out")).click();
            signIn(Fixtures.token(server, Role.AFTER_SALES));
            browser.findElement(By.cssSelector("a[data-page=holds]")).click();
            wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("#holds button"))).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status-line"), "REBOUND"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("holds"), "No rebind is held."));
            BindAck decision = b.bindAck();
            assertEquals(takeover.requestId(), decision.requestId());
            assertEquals(BindOutcome.REBOUND, decision.outcome());
            screenshot("hold-approved");

            browser.findElement(By.cssSelector("a[data-page=vehicles]")).click();
            WebElement value = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("find-value")));
            value.clear();
            value.sendKeys(vin, Keys.ENTER);
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("binding-card"), imsiB));
        }
    }

    @Test
    void the_factory_imports_a_csv_and_sees_the_bad_line() throws Exception {
        signIn(Fixtures.token(server, Role.FACTORY));
        browser.findElement(By.cssSelector("a[data-page=import]")).click();
        String good = Fixtures.imsi(811);
        WebElement text = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("import-text")));
        text.sendKeys("imsi,iccid,imei\n" + good + "," + Fixtures.iccidOf(good) + "," + Fixtures.imeiOf(good)
            + "\n12x,,\n<img src=x onerror=alert(1)>,,\n");
        browser.findElement(By.cssSelector("#import-form button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("import-summary"), "1 added"));
        List<WebElement> rows = browser.findElements(By.cssSelector("#import-report tbody tr"));
        assertEquals(3, rows.size());
        assertTrue(rows.get(0).getText().contains("ADDED"), rows.get(0).getText());
        assertTrue(rows.get(1).getText().contains("REJECTED"), rows.get(1).getText());
        // untrusted text is shown as text, never run as markup
        assertTrue(rows.get(2).getText().contains("REJECTED"), rows.get(2).getText());
        assertEquals(0, browser.findElements(By.cssSelector("#import-report img")).size());
        screenshot("import-report");
    }

    @Test
    void presence_shows_a_terminal_online_and_going_offline_live() throws Exception {
        String id = "TBOX-LIVE-1";
        signIn(Fixtures.token(server, Role.VIEWER));
        browser.findElement(By.cssSelector("a[data-page=presence]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live-state"), "(live)"));
        try (io.vinbind.server.TestMqttClient terminal = new io.vinbind.server.TestMqttClient(server.mqttUri(), id,
                Fixtures.terminalCredentials(server, id))) {
            terminal.subscribe(io.vinbind.protocol.Topics.heartbeatAck(id));
            terminal.publish(io.vinbind.protocol.Topics.heartbeat(id), io.vinbind.protocol.JsonCodec.encode(
                new io.vinbind.protocol.Heartbeat(io.vinbind.protocol.Protocol.VERSION, "hb-1", id, "s1", 1,
                    io.vinbind.protocol.PresenceState.ALIVE, 0)));
            assertTrue(terminal.await(io.vinbind.protocol.Topics.heartbeatAck(id), Duration.ofSeconds(10)) != null);
            // no reload: the stream's event refreshes the page
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("online"), id));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live-events"), id + " ONLINE"));
            click(By.cssSelector("#online button[data-terminal='" + id + "']"));
            patient(20).until(ExpectedConditions.textToBe(By.cssSelector("#windows tbody tr:first-child td:nth-child(3)"),
                "1")); // its one heartbeat, counted in the current window
            screenshot("presence-online");
            terminal.publish(io.vinbind.protocol.Topics.heartbeat(id), io.vinbind.protocol.JsonCodec.encode(
                new io.vinbind.protocol.Heartbeat(io.vinbind.protocol.Protocol.VERSION, "hb-2", id, "s1", 2,
                    io.vinbind.protocol.PresenceState.POWER_OFF, 1)));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live-events"), id + " OFFLINE"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("offline"), id));
            assertTrue(browser.findElement(By.id("live-events")).getText().contains("cause POWER_OFF"));
            screenshot("presence-offline");
        }
    }

    @Test
    void a_bad_token_is_refused_and_the_pages_carry_a_content_security_policy() throws Exception {
        browser.get(server.httpBaseUri().resolve("/ui/").toString());
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token"))).sendKeys("vbt_not-a-token", Keys.ENTER);
        assertTrue(alert().contains("the bearer token is not valid"), alert());
        assertTrue(browser.findElement(By.id("nav")).getAttribute("hidden") != null);
        screenshot("sign-in-refused");
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(server.httpBaseUri() + "/ui/")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Security-Policy").orElse("").contains("frame-ancestors 'none'"));
        HttpResponse<String> missing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(server.httpBaseUri() + "/ui/../admin.token")).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode(), missing.body());
    }

    @Test
    void provisioning_staff_watch_a_campaign_progress_live_and_control_it() throws Exception {
        try (io.vinbind.server.provisioning.ProvisioningRig rig = new io.vinbind.server.provisioning.ProvisioningRig(
                dir.resolve("rig"), 8, 850)) {
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(rig.vehicle().terminalId());
            }
            String list = String.join("\",\"", ids);
            io.vinbind.server.provisioning.ProvisioningRig.Response created = rig.call(rig.provisioning, "POST",
                "/provisioning/campaigns", "{\"name\":\"winter\",\"requirement\":{\"platform\":\"smdp-sim\","
                + "\"profileType\":\"vinbind-iot\",\"enablePolicy\":\"DOWNLOAD_ONLY\"},\"terminals\":[\"" + list
                + "\"],\"maxConcurrent\":1}");
            assertEquals(201, created.status(), created.body().toString());
            String cid = created.body().get("id").asText();
            // a viewer sees it, may not control it, and the 403 names the role
            signIn(rig.server, rig.viewer);
            browser.findElement(By.cssSelector("a[data-page=campaigns]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("campaigns-live"), "(live)"));
            click(By.cssSelector("#campaign-" + cid + " button[data-action=pause]"));
            assertTrue(alert().contains("needs role provisioning"), alert());
            // provisioning staff: the engine runs, the page follows without a reload
            browser.findElement(By.id("sign-out")).click();
            signIn(rig.server, rig.provisioning);
            browser.findElement(By.cssSelector("a[data-page=campaigns]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("campaigns-live"), "(live)"));
            click(By.cssSelector("#campaign-" + cid + " td button"));
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("campaign-terminals"), ids.get(0)));
            // paused before the engine runs: the page shows it at once, and offers resume in its place
            click(By.cssSelector("#campaign-" + cid + " button[data-action=pause]"));
            patient(20).until(ExpectedConditions.attributeToBe(By.id("campaign-" + cid), "data-state", "PAUSED"));
            screenshot("campaign-paused");
            rig.engine("engine-ui", Duration.ofSeconds(30));
            click(By.cssSelector("#campaign-" + cid + " button[data-action=resume]"));
            // the engine provisions one terminal at a time; the page follows the stream without a reload
            patient(60).until(d -> d.findElement(By.id("campaign-" + cid)).getText().matches("(?s).*\\b[1-3] done.*"));
            screenshot("campaign-progress");
            patient(90).until(ExpectedConditions.attributeToBe(
                By.id("campaign-" + cid), "data-state", "COMPLETED"));
            patient(20).until(ExpectedConditions.textToBePresentInElementLocated(By.id("campaign-" + cid), "3 done"));
            patient(20).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#campaign-terminals tr[data-state=DONE]"), 3));
            assertEquals(0, browser.findElements(By.cssSelector("#campaign-" + cid + " button[data-action]")).size(),
                "a completed campaign without failures offers no control");
            screenshot("campaign-completed");
        }
    }
}
