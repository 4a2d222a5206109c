package io.tokenmeter.e2e;

import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.localstack.LocalStack;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.testsupport.SharedInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The console in a real browser (headless Chromium through chromedriver), against the packaged platform: what a
 * tenant, a finance user and an admin do there, each step asserting what the person would see. Screenshots of each
 * flow go to {@code e2e-tests/target/console-screenshots}. The flows build on each other (the invoice finance issues
 * is the one another tenant then tries to open), hence the order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static LocalStack stack;
    private static WebDriver browser;
    private static Path shots;
    private static Path downloads;
    private static String gateway;

    /** Set by the finance flow: the invoice it issued, which another tenant must not be able to open. */
    private static String issuedInvoiceId;

    private static String issuedInvoiceNumber;

    @BeforeAll
    static void startPlatformAndBrowser() throws Exception {
        Path target = E2eDirectories.home().resolve("e2e-tests/target");
        ConsoleBrowser.ensureInstalled(target.resolve("chromium-install.log"));
        stack = LocalStack.start(new StackConfig(
                E2eDirectories.home(),
                E2eDirectories.freshState("stack-console"),
                StackConfig.Ports.free(),
                SharedInfrastructure.kafkaBootstrapServers(),
                // a PostgreSQL of its own: billing here must have run no invoice before (runs follow each other in
                // time), as the finance flow invoices the previous month
                null));
        gateway = stack.gatewayUrl();
        shots = target.resolve("console-screenshots");
        downloads = target.resolve("console-downloads");
        Files.createDirectories(downloads);
        browser = ConsoleBrowser.start(E2eDirectories.freshState("chromium-profile"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (stack != null) {
            stack.close();
        }
    }

    /** What the browser showed when a flow failed, beside the flows' own screenshots. */
    @RegisterExtension
    final TestWatcher onFailure = new TestWatcher() {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            try {
                shot("FAILED-" + context.getRequiredTestMethod().getName());
            } catch (Exception e) {
                cause.addSuppressed(e);
            }
        }
    };

    @AfterEach
    void signOut() {
        browser.manage().deleteAllCookies();
    }

    @Test
    @Order(1)
    void aTenantSignsInCallsAModelAndFindsTheCallInTheUsageChartAndTheLog() throws Exception {
        signIn(stack.demo("TENANT_API_KEY"));
        assertThat(browser.getCurrentUrl()).endsWith("/console/usage");
        assertThat(text("header nav"))
                .contains("Usage", "Request log", "Invoices")
                .doesNotContain("Tenants");

        // a call through the gateway, as the tenant's app makes it
        HttpResponse<String> call = post("/v1/chat/completions", stack.demo("TENANT_API_KEY"), """
                {"model":"kimi-k2","max_tokens":37,
                 "messages":[{"role":"user","content":"a call the console must show"}]}""");
        assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
        String requestId = call.headers().firstValue("X-Request-Id").orElseThrow();
        long prompt =
                JSON.readTree(call.body()).path("usage").path("prompt_tokens").asLong();
        assertThat(prompt).isPositive();

        WebElement row = eventually(() -> {
            browser.get(gateway + "/console/requests");
            return browser.findElement(By.cssSelector("tr[data-request-id='" + requestId + "']"));
        });
        assertThat(row.findElement(By.cssSelector(".output-tokens")).getText()).isEqualTo("37");
        assertThat(row.findElement(By.cssSelector(".input-tokens")).getText()).isEqualTo(Long.toString(prompt));
        assertThat(row.getText()).contains("kimi-k2", "moonshot", "succeeded").containsPattern("\\d+\\.\\d{6} EUR");
        String cost = row.findElements(By.tagName("td")).stream()
                .map(WebElement::getText)
                .filter(t -> t.matches("\\d+\\.\\d{6} EUR"))
                .findFirst()
                .orElseThrow();
        shot("tenant-1-request-log");

        // the usage chart's data and the table under it count the call's tokens, by model, per hour
        String total = String.format(java.util.Locale.ROOT, "%,d", prompt + 37);
        eventually(() -> {
            browser.get(gateway + "/console/usage?by=model&granularity=hour&days=1");
            assertThat(browser.findElement(By.cssSelector("#usage-table tfoot td[data-series='kimi-k2']"))
                            .getText())
                    .isEqualTo(total);
            return true;
        });
        JsonNode chart = JSON.readTree((String) js("return document.getElementById('usage-chart-data').textContent"));
        long charted = 0;
        for (JsonNode series : chart.path("series")) {
            if (series.path("name").asString().equals("kimi-k2")) {
                for (JsonNode tokens : series.path("values")) {
                    charted += tokens.asLong();
                }
            }
        }
        assertThat(charted).isEqualTo(prompt + 37);
        assertThat(js("return Chart.getChart('usage-chart') != null"))
                .as("Chart.js drew the chart")
                .isEqualTo(true);
        assertThat(text("main")).contains("Spend this month").containsPattern("\\d+\\.\\d{2} EUR");
        shot("tenant-2-usage");

        // the same chart in money: the hour's kimi-k2 spend is what the log showed the call cost, to the same digit
        eventually(() -> {
            browser.get(gateway + "/console/usage?measure=money&by=model&granularity=hour&days=1");
            assertThat(browser.findElement(By.cssSelector("#usage-table tfoot td[data-series='kimi-k2']"))
                            .getText())
                    .isEqualTo(cost);
            return true;
        });
        assertThat(text("#usage-table caption")).contains("EUR");
        assertThat(js("return Chart.getChart('usage-chart').options.scales.y.title.text"))
                .isEqualTo("EUR");
        shot("tenant-2-spend-per-hour");

        // its keys, by prefix, and a monthly cap it sets on one itself
        follow(browser.findElement(By.linkText("Keys")));
        String key = stack.demo("TENANT_API_KEY");
        WebElement keyRow = browser.findElement(By.cssSelector("#keys tbody tr"));
        String prefix = keyRow.findElement(By.tagName("code")).getText();
        assertThat(key).startsWith(prefix);
        assertThat(browser.getPageSource()).doesNotContain(key);
        keyRow.findElement(By.name("amount")).sendKeys("5");
        follow(keyRow.findElement(By.cssSelector("button")));
        assertThat(text("main")).contains("Monthly cap set on the key.");
        assertThat(text("#keys tbody tr")).contains("0.00 EUR of 5.00 EUR");

        // on a phone's screen the pages fit its width: wide tables scroll inside their box, not the page
        browser.manage().window().setSize(new Dimension(390, 844));
        try {
            for (String page : List.of("/console/requests", "/console/usage", "/console/keys")) {
                browser.get(gateway + page);
                assertThat((Long) js("return document.documentElement.scrollWidth - window.innerWidth"))
                        .as(page + " is no wider than the screen")
                        .isLessThanOrEqualTo(0L);
            }
            shot("tenant-4-keys-on-a-phone");
        } finally {
            browser.manage().window().setSize(new Dimension(1280, 1000));
        }
    }

    @Test
    @Order(2)
    void financeRunsThePreviousMonthRetriesAFailedTenantIssuesTheInvoiceAndDownloadsItsPdfAndCsv() throws Exception {
        YearMonth previous = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        String tenant = stack.demo("TENANT_ID");
        String admin = stack.demo("ADMIN_API_KEY");
        // last month's usage, imported from another meter; no price covered last month yet
        HttpResponse<String> imported =
                send("POST", "/api/v1/events", admin, "application/cloudevents+json", """
                {"specversion":"1.0","id":"%s","source":"//old-meter","type":"tokenmeter.usage.v1",
                 "subject":"%s","time":"%s",
                 "data":{"model":"deepseek-v3.2","provider":"deepseek","region":"cn-hangzhou",
                         "input_tokens":3000000,"cached_input_tokens":0,"output_tokens":1500000}}""".formatted(
                                EventIds.newEventId(),
                                tenant,
                                previous.atDay(10).atTime(10, 0).toInstant(ZoneOffset.UTC)));
        assertThat(JSON.readTree(imported.body()).path("accepted").asInt())
                .as(imported.body())
                .isEqualTo(1);
        Thread.sleep(3_000); // past the run's settle time (2 s here): its cut-off takes in what was ingested

        signIn(stack.demo("FINANCE_API_KEY"));
        assertThat(browser.getCurrentUrl()).endsWith("/console/finance/runs");
        assertThat(browser.findElement(By.id("period")).getDomProperty("value")).isEqualTo(previous.toString());
        follow(browser.findElement(By.id("start-run")));

        awaitRunSettled();
        WebElement failure = browser.findElement(By.cssSelector("#failures tbody tr"));
        assertThat(failure.getText()).contains(tenant);
        String cause = failure.findElements(By.tagName("td")).get(1).getText();
        assertThat(cause).as("the failure says why").isNotBlank().containsIgnoringCase("pric");
        String runUrl = browser.getCurrentUrl();
        shot("finance-1-run-failed-tenant");

        // the admin back-dates the prices into last month and publishes last month's FX rate (through the API);
        // finance retries the tenant
        backdatePricesInto(previous, admin);
        HttpResponse<String> fx = send(
                "POST",
                "/api/v1/fx/rates",
                admin,
                "application/json",
                "{\"base\":\"EUR\",\"quote\":\"USD\",\"rate\":1.0800,\"as_of\":\"" + previous.atEndOfMonth()
                        + "\",\"source\":\"console test\"}");
        assertThat(fx.statusCode()).as(fx.body()).isEqualTo(201);
        follow(failure.findElement(By.cssSelector("button")));
        awaitRunSettled();
        assertThat(text("#progress")).contains("1 of 1 tenants invoiced", "0 failed");

        follow(browser.findElement(By.id("run-invoices")));
        follow(browser.findElement(By.cssSelector("#invoices tbody tr a")));
        assertThat(text("#invoice-status")).isEqualTo("draft");
        assertThat(text("#lines")).contains("3,000,000", "1,500,000");
        follow(browser.findElement(By.id("issue")));
        assertThat(text("#invoice-status")).isEqualTo("issued");
        assertThat(text("main")).contains("Invoice issued.");
        issuedInvoiceNumber = text("#invoice-number");
        assertThat(issuedInvoiceNumber).isNotBlank().doesNotContain("draft");
        issuedInvoiceId = browser.getCurrentUrl().replaceAll(".*/invoices/", "");
        assertThat(text("#invoice-total")).matches("[\\d,]+\\.\\d{2} EUR");
        String subtotal = text("#invoice-subtotal");
        shot("finance-2-invoice-issued");

        Map<String, Object> pdf = fetch(browser.findElement(By.id("pdf")).getDomAttribute("href"));
        assertThat(pdf.get("status")).isEqualTo(200L);
        assertThat((String) pdf.get("type")).startsWith("application/pdf");
        byte[] pdfBytes = Base64.getDecoder().decode((String) pdf.get("body"));
        assertThat(new String(pdfBytes, 0, 5, StandardCharsets.US_ASCII)).isEqualTo("%PDF-");
        Files.write(downloads.resolve(issuedInvoiceNumber.replace('/', '_') + ".pdf"), pdfBytes);

        browser.get(runUrl);
        Map<String, Object> csv = fetch(browser.findElement(By.id("run-csv")).getDomAttribute("href"));
        assertThat(csv.get("status")).isEqualTo(200L);
        assertThat((String) csv.get("type")).startsWith("text/csv");
        String lines = new String(Base64.getDecoder().decode((String) csv.get("body")), StandardCharsets.UTF_8);
        Files.writeString(downloads.resolve("invoice-lines.csv"), lines);
        assertThat(lines.lines().findFirst().orElseThrow()).contains("invoice");
        assertThat(lines).contains(issuedInvoiceNumber, tenant, "3000000", "1500000");

        // revenue by currency, in the month's token-trade statement: the invoice's subtotal, invoiced
        browser.get(gateway + "/console/finance/reports?month=" + previous + "&currency=EUR");
        assertThat(browser.findElement(By.cssSelector("#revenue tbody tr")).getText())
                .startsWith("EUR")
                .contains(subtotal);
        assertThat(text("#trade-rows")).contains("deepseek-v3.2", "cn-hangzhou", "DE");
        shot("finance-3-token-trade-statement");
    }

    @Test
    @Order(3)
    void anAdminDraftsAVersionWithATierAndABadRateSeesTheErrorBesideItPublishesAndTheTenantsQuoteUsesIt()
            throws Exception {
        signIn(stack.demo("ADMIN_API_KEY"));
        assertThat(browser.getCurrentUrl()).endsWith("/console/admin/tenants");

        // a contract for the demo tenant, from 2030: pricing refuses a discount of 150 % beside its field
        browser.get(gateway + "/console/admin/tenants/" + stack.demo("TENANT_ID"));
        follow(browser.findElement(By.id("contracts-link")));
        assertThat(text("main")).contains("No contracts");
        type("discountPercent", "150");
        js("document.getElementById('validFrom').value = '2030-01-01T00:00'");
        js("document.getElementById('validTo').value = '2031-01-01T00:00'");
        follow(browser.findElement(By.id("add-contract")));
        assertThat(text("#err-discount_percent")).contains("between 0 and 100");
        assertThat(browser.findElement(By.id("discountPercent")).getDomAttribute("aria-invalid"))
                .isEqualTo("true");
        assertThat(browser.findElement(By.id("validFrom")).getDomProperty("value"))
                .as("the form is kept as typed")
                .isEqualTo("2030-01-01T00:00");
        type("discountPercent", "10");
        follow(browser.findElement(By.id("add-contract")));
        assertThat(text("#notice")).startsWith("Contract ctr_");
        assertThat(text("#contracts"))
                .contains("10 % off the default book", "2030-01-01 00:00 UTC", "2031-01-01 00:00 UTC");
        browser.get(gateway + "/console/admin/tenants");

        follow(browser.findElement(By.linkText("FX")));
        assertThat(text("#fx-rates")).contains("1 EUR = USD");
        follow(browser.findElement(By.linkText("Price books")));
        follow(browser.findElement(By.partialLinkText("(USD)")));
        follow(browser.findElement(By.id("new-version")));

        int input = rateRow("deepseek-v3.2", "cn-hangzhou", "input");
        int output = rateRow("deepseek-v3.2", "cn-hangzhou", "output");
        String effective = browser.findElement(By.id("effectiveFrom")).getDomProperty("value");
        type("rates" + input + ".rate", "-0.27");
        // no off-peak window in this version, so the quote below is at the full rate whatever the hour
        for (String field : List.of("offPeakStart", "offPeakEnd", "offPeakDiscount")) {
            browser.findElement(By.id(field)).clear();
        }
        // a tier on the output rate: its flat rate becomes the first tier, the second starts at 1,000,000,000
        follow(browser.findElement(By.cssSelector("button[name='action'][value='add-tier-" + output + "']")));
        assertThat(browser.findElement(By.id("rates" + output + ".tiers0.fromTokens"))
                        .getDomProperty("value"))
                .isEqualTo("0");
        type("rates" + output + ".tiers1.fromTokens", "1000000000");
        type("rates" + output + ".tiers1.rate", "0.9");
        follow(browser.findElement(By.id("publish")));

        WebElement error = browser.findElement(By.id("err-rate-" + input));
        assertThat(error.getText()).contains("negative");
        assertThat(browser.findElement(By.id("rates" + input + ".rate")).getDomAttribute("aria-invalid"))
                .isEqualTo("true");
        assertThat(browser.findElement(By.id("rates" + input + ".rate")).getDomProperty("value"))
                .as("the draft is kept as typed")
                .isEqualTo("-0.27");
        assertThat(browser.findElement(By.id("rates" + output + ".tiers1.rate")).getDomProperty("value"))
                .isEqualTo("0.9");
        shot("admin-1-error-beside-the-field");

        type("rates" + input + ".rate", "0.30");
        follow(browser.findElement(By.id("publish")));
        String notice = text("#notice");
        assertThat(notice).containsPattern("Version \\d+ published");
        String version = notice.replaceAll(".*Version (\\d+) published.*", "$1");
        assertThat(text("#versions")).contains("changed deepseek-v3.2 / cn-hangzhou / input: 0.27 → 0.3");
        shot("admin-2-version-published");
        browser.manage().deleteAllCookies();

        // the tenant's quote for the hour the version starts uses it
        signIn(stack.demo("TENANT_API_KEY"));
        follow(browser.findElement(By.linkText("Prices")));
        type("q-model", "deepseek-v3.2");
        type("q-region", "cn-hangzhou");
        new Select(browser.findElement(By.id("q-class"))).selectByValue("input");
        type("q-tokens", "1000000");
        js("document.getElementById('q-hour').value = arguments[0]", effective);
        follow(browser.findElement(By.cssSelector("#quote-form button[type=submit]")));
        assertThat(text("#quote .quote-version")).isEqualTo(version);
        assertThat(text("#quote")).contains("at 0.3");
        assertThat(text("#quote .quote-amount")).matches("\\d+\\.\\d{2} EUR");
        shot("tenant-3-quote-uses-new-version");
    }

    @Test
    @Order(4)
    void aTenantCannotOpenAnotherTenantsInvoiceNorAnyAdminOrFinancePage() throws Exception {
        assertThat(issuedInvoiceId).as("the finance flow issued an invoice").isNotNull();
        signIn(stack.demo("TENANT_B_API_KEY"));
        assertThat(text("header nav")).doesNotContain("Tenants", "Invoice runs");

        browser.get(gateway + "/console/invoices/" + issuedInvoiceId);
        assertThat(text("main")).contains("not yours").doesNotContain(issuedInvoiceNumber);
        shot("isolation-1-other-tenants-invoice");
        Map<String, Object> pdf = fetch("/console/invoices/" + issuedInvoiceId + "/pdf");
        assertThat((Long) pdf.get("status")).isIn(403L, 404L);

        for (String page : List.of("/console/admin/tenants", "/console/admin/price-books", "/console/finance/runs")) {
            browser.get(gateway + page);
            assertThat(text("h1")).as(page).isEqualTo("Not for your role");
        }
        shot("isolation-2-admin-page-refused");

        // the server refuses, not the menu: a finance action posted with this tenant's session and its CSRF token
        Object status = ((JavascriptExecutor) browser).executeAsyncScript("""
                        const done = arguments[arguments.length - 1];
                        fetch('/console/sign-in').then(r => r.text()).then(html => {
                          const token = html.match(/name="_csrf" value="([^"]+)"/)[1];
                          return fetch('/console/finance/invoices/' + arguments[0] + '/pay', {method: 'POST',
                            headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                            body: '_csrf=' + encodeURIComponent(token), redirect: 'manual'});
                        }).then(r => done(r.status)).catch(e => done(String(e)));""", issuedInvoiceId);
        assertThat(status).isEqualTo(403L);
        // and no form is taken without its CSRF token, whoever is signed in
        Object withoutToken = ((JavascriptExecutor) browser).executeAsyncScript("""
                        const done = arguments[arguments.length - 1];
                        fetch('/console/budgets/webhook', {method: 'POST', redirect: 'manual',
                          headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                          body: 'url=https%3A%2F%2Fexample.com%2Fhook'}).then(r => done(r.status));""");
        assertThat(withoutToken).isEqualTo(403L);
    }

    @Test
    @Order(5)
    void theSessionCookieIsHttpOnlyAndSameSiteAndSignOutEndsTheSession() throws Exception {
        HttpResponse<String> page = HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway + "/console/sign-in")).build(),
                HttpResponse.BodyHandlers.ofString());
        String cookie = page.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("TOKENMETER_CONSOLE="))
                .findFirst()
                .orElseThrow();
        assertThat(cookie).contains("HttpOnly", "SameSite=Strict", "Path=/console");

        // by keyboard alone: the key field has the focus, Enter signs in
        browser.get(gateway + "/console/sign-in");
        WebElement focused = browser.switchTo().activeElement();
        assertThat(focused.getDomAttribute("id")).isEqualTo("api_key");
        assertThat(browser.findElement(By.cssSelector("label[for='api_key']")).getText())
                .isEqualTo("API key");
        focused.sendKeys(stack.demo("TENANT_API_KEY"), Keys.ENTER);
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.urlContains("/console/usage"));
        assertThat((String) js("return document.cookie"))
                .as("the browser's script sees no session")
                .isEmpty();
        assertThat((String) js("return JSON.stringify(localStorage) + JSON.stringify(sessionStorage)"))
                .doesNotContain(stack.demo("TENANT_API_KEY"));
        follow(browser.findElement(By.cssSelector("form.signout button")));
        assertThat(text("main")).contains("You are signed out.");
        browser.get(gateway + "/console/usage");
        assertThat(browser.getCurrentUrl()).endsWith("/console/sign-in");
    }

    @Test
    @Order(6)
    void oneOpenApiDocumentCoversThePublicApiAndTheReferenceRendersIt() throws Exception {
        HttpResponse<String> doc = HTTP.send(
                HttpRequest.newBuilder(URI.create(gateway + "/openapi.json")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(doc.statusCode()).isEqualTo(200);
        JsonNode openapi = JSON.readTree(doc.body());
        List<String> paths = List.copyOf(openapi.path("paths").propertyNames());
        assertThat(paths)
                .contains(
                        "/v1/chat/completions",
                        "/api/v1/me",
                        "/api/v1/usage",
                        "/api/v1/rating/quote",
                        "/api/v1/billing/invoices")
                .noneMatch(p -> p.startsWith("/api/internal"));
        assertThat(doc.body()).doesNotContain("\"name\":\"caller\"");
        assertThat(openapi.path("paths")
                        .path("/api/v1/billing/invoices")
                        .path("get")
                        .path("responses")
                        .path("4XX")
                        .path("content")
                        .has("application/problem+json"))
                .isTrue();
        assertThat(openapi.path("info").path("description").asString()).doesNotContain("Not in this copy");

        browser.get(gateway + "/docs");
        WebElement quote = eventually(
                () -> browser.findElement(By.cssSelector(".opblock-summary-path[data-path='/api/v1/rating/quote']")));
        assertThat(quote.isDisplayed()).isTrue();
        shot("reference-1-swagger-ui");
    }

    // --- what a person does ---

    private static void signIn(String key) {
        browser.get(gateway + "/console/sign-in");
        browser.findElement(By.id("api_key")).sendKeys(key);
        follow(browser.findElement(By.cssSelector("main form button[type=submit]")));
    }

    /** Clicks what leads to another page and waits until the browser has left this one. */
    private static void follow(WebElement link) {
        link.click();
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.stalenessOf(link));
    }

    private static void type(String id, String value) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private static String text(String css) {
        return browser.findElement(By.cssSelector(css)).getText().strip();
    }

    private static int rateRow(String model, String region, String tokenClass) {
        for (int i = 0; ; i++) {
            List<WebElement> models = browser.findElements(By.id("rates" + i + ".model"));
            if (models.isEmpty()) {
                throw new AssertionError("no rate row for " + model + " / " + region + " / " + tokenClass);
            }
            if (models.getFirst().getDomProperty("value").equals(model)
                    && browser.findElement(By.id("rates" + i + ".region"))
                            .getDomProperty("value")
                            .equals(region)
                    && browser.findElement(By.id("rates" + i + ".tokenClass"))
                            .getDomProperty("value")
                            .equals(tokenClass)) {
                return i;
            }
        }
    }

    private static void awaitRunSettled() {
        eventually(() -> {
            browser.navigate().refresh();
            assertThat(text("#run-status")).isNotEqualTo("running");
            return true;
        });
    }

    private static void backdatePricesInto(YearMonth month, String admin) throws Exception {
        JsonNode books = JSON.readTree(
                send("GET", "/api/v1/pricing/books", admin, null, null).body());
        String book = null;
        for (JsonNode b : books) {
            if (b.path("purpose").asString().equals("sell") && b.path("default").asBoolean()) {
                book = b.path("id").asString();
            }
        }
        JsonNode version = JSON.readTree(send("GET", "/api/v1/pricing/books/" + book + "/versions/1", admin, null, null)
                .body());
        Map<String, Object> body = Map.of(
                "effective_from",
                        month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString(),
                "backdate_reason", "usage imported from the old meter",
                "off_peak", version.path("off_peak"),
                "rates", version.path("rates"));
        HttpResponse<String> created = send(
                "POST",
                "/api/v1/pricing/books/" + book + "/versions",
                admin,
                "application/json",
                JSON.writeValueAsString(body));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    /** GET of a console URL from inside the page, with the browser's session: status, type and body in base64. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> fetch(String url) {
        return (Map<String, Object>) ((JavascriptExecutor) browser).executeAsyncScript("""
                        const done = arguments[arguments.length - 1];
                        fetch(arguments[0]).then(async r => {
                          const bytes = new Uint8Array(await r.arrayBuffer());
                          let binary = '';
                          for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
                          done({status: r.status, type: r.headers.get('Content-Type') || '', body: btoa(binary)});
                        }).catch(e => done({status: -1, type: String(e), body: ''}));""", url);
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static <T> T eventually(Supplier<T> find) {
        Object[] found = new Object[1];
        await().atMost(PATIENCE)
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsInstanceOf(NoSuchElementException.class)
                .ignoreExceptionsInstanceOf(AssertionError.class)
                .untilAsserted(() -> found[0] = find.get());
        @SuppressWarnings("unchecked")
        T result = (T) found[0];
        return result;
    }

    private static void shot(String name) throws java.io.IOException {
        ConsoleBrowser.screenshot(browser, shots, name);
    }

    private static HttpResponse<String> post(String path, String key, String json) throws Exception {
        return send("POST", path, key, "application/json", json);
    }

    private static HttpResponse<String> send(String method, String path, String key, String type, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway + path))
                .header("Authorization", "Bearer " + key)
                .timeout(Duration.ofSeconds(30));
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", type).method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
