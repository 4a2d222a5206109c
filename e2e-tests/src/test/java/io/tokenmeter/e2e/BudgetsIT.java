package io.tokenmeter.e2e;

import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.contracts.budgets.BudgetThresholdCrossed;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.localstack.LocalStack;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.SharedInfrastructure;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Budgets enforced on model calls by real gateway processes, owned by the real billing-service: the platform as
 * ./infra/start runs it, plus two further gateway instances ({@code api-gateway-a}, {@code api-gateway-b}) that renew
 * their leases every 200 ms and price calls with a rate card of this test's own, played by a small HTTP server
 * (output 10.00 EUR per 1M tokens; glm-5's input free, so a call's maximum cost equals its actual cost exactly;
 * deepseek's input 1.00, so the byte bound of the prompt is what gets reserved). PlatformIT runs budgets against the
 * real pricing-service; billing-service's BudgetsTest covers the ledger, its API and webhooks on their own. This
 * platform also hosts what needs two gateway processes (the live model catalog) or a billing that has run no invoice
 * before (migrating in a past month), to save CI the start of another one.
 */
class BudgetsIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static LocalStack stack;
    private static String adminKey;
    private static String gatewayA;
    private static String gatewayB;
    private static HttpServer pricing;
    private static HttpServer webhook;
    static final List<String[]> webhookCalls = new CopyOnWriteArrayList<>(); // body, signature
    static final AtomicInteger webhookFailuresLeft = new AtomicInteger();

    String tenantId;
    String tenantKey;
    String tenantKeyId;

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = E2eDirectories.home();
        Path state = E2eDirectories.freshState("stack-budgets");
        pricing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pricing.createContext("/api/v1/rating/rate-card", exchange -> {
            boolean signed = exchange.getRequestHeaders().getFirst(CallerHeaders.SIGNATURE) != null;
            String currency = exchange.getRequestURI().getQuery().replace("currency=", "");
            byte[] card = ("""
                    {"currency":"%s","valid_until":null,"rates":[
                     {"model":"glm-5","region":"cn-beijing","token_class":"input","max_rate_per_million":0},
                     {"model":"glm-5","region":"cn-beijing","token_class":"output","max_rate_per_million":10.00},
                     {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","max_rate_per_million":1.00},
                     {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"cached_input","max_rate_per_million":0.25},
                     {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","max_rate_per_million":10.00}]}""").formatted(currency).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(signed ? 200 : 401, card.length);
            exchange.getResponseBody().write(card);
            exchange.close();
        });
        pricing.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        pricing.start();
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            webhookCalls.add(new String[] {
                new String(body, StandardCharsets.UTF_8),
                exchange.getRequestHeaders().getFirst("X-TokenMeter-Signature")
            });
            exchange.sendResponseHeaders(webhookFailuresLeft.getAndDecrement() > 0 ? 500 : 204, -1);
            exchange.close();
        });
        webhook.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        webhook.start();

        stack = LocalStack.start(new StackConfig(
                home,
                state,
                StackConfig.Ports.free(),
                SharedInfrastructure.kafkaBootstrapServers(),
                // a PostgreSQL of its own: billing here must have run no invoice before (invoice runs follow each
                // other in time), and the gateway's catalog is sealed under this stack's key
                null));
        adminKey = stack.demo("ADMIN_API_KEY");
        Map<String, String> settings = Map.of(
                "PRICING_URL", "http://127.0.0.1:" + pricing.getAddress().getPort(),
                "TOKENMETER_GATEWAY_BUDGETS_RENEW_EVERY", "200ms",
                "TOKENMETER_GATEWAY_BUDGETS_LEASE_TTL", "3s");
        gatewayA = stack.startInstance("api-gateway", "api-gateway-a", settings);
        gatewayB = stack.startInstance("api-gateway", "api-gateway-b", settings);
    }

    @AfterAll
    static void stopPlatform() {
        if (stack != null) {
            stack.close();
        }
        pricing.stop(0);
        webhook.stop(0);
    }

    @BeforeEach
    void tenantWithKey() throws Exception {
        tenantId = JSON.readTree(send(
                        "POST",
                        "/api/v1/admin/tenants",
                        adminKey,
                        "{\"name\":\"Budget Co\",\"billing_country\":\"DE\",\"currency\":\"EUR\"}",
                        201))
                .get("id")
                .asString();
        JsonNode key = JSON.readTree(
                send("POST", "/api/v1/admin/tenants/" + tenantId + "/api-keys", adminKey, "{\"name\":\"agent\"}", 201));
        tenantKey = key.get("key").asString();
        tenantKeyId = key.get("id").asString();
    }

    /**
     * The live model catalog across real processes: an upstream and a model added through gateway A's admin API (the
     * upstream reuses the configured simulator's credential by name, never seeing it) are served by gateway B without
     * a restart, and the call is metered under the new route's provider and region, as the request log shows.
     */
    @Test
    void aModelAddedThroughTheCatalogApiIsServedByEveryInstanceWithoutARestart() throws Exception {
        String model = "glm-5-eu-" + java.util.UUID.randomUUID().toString().substring(0, 6);
        String simulatorUrl = null;
        for (JsonNode upstream : JSON.readTree(send("GET", "/api/v1/admin/catalog", adminKey, null, 200))
                .get("upstreams")) {
            if (upstream.get("name").asString().equals("simulator")) {
                simulatorUrl = upstream.get("base_url").asString();
            }
        }
        assertThat(simulatorUrl).as("the configuration seeded the catalog").isNotNull();
        assertThat(LocalServer.at(gatewayB)
                        .post("/v1/chat/completions", tenantKey, chatOf(model))
                        .statusCode())
                .isEqualTo(404);

        send("PUT", "/api/v1/admin/catalog/upstreams/zhipu-frankfurt", adminKey, """
                {"base_url":"%s","credential":"simulator"}""".formatted(simulatorUrl), 200);
        JsonNode added = JSON.readTree(send("PUT", "/api/v1/admin/catalog/models/" + model, adminKey, """
                {"routes":[{"upstream":"zhipu-frankfurt","provider":"zhipu-eu","region":"eu-frankfurt",
                            "upstream_model":"glm-5"}]}""", 200));
        assertThat(added.get("warnings"))
                .as("no sell price covers it: the admin is told")
                .isNotEmpty();

        HttpResponse<String> served = await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> LocalServer.at(gatewayB).post("/v1/chat/completions", tenantKey, chatOf(model)),
                        r -> r.statusCode() == 200);
        String eventId =
                served.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode row = null;
                    for (JsonNode r : JSON.readTree(send("GET", "/api/v1/requests", tenantKey, null, 200))
                            .get("data")) {
                        if (r.get("event_id").asString().equals(eventId)) {
                            row = r;
                        }
                    }
                    assertThat(row).as("the call in the request log").isNotNull();
                    assertThat(row.get("model").asString()).isEqualTo(model);
                    assertThat(row.get("provider").asString()).isEqualTo("zhipu-eu");
                    assertThat(row.get("region").asString()).isEqualTo("eu-frankfurt");
                });
    }

    /**
     * Migrating in, on this platform's billing, which has run no invoice before: October's usage arrives in December
     * from the seller's old meter; October's run fails the tenant (no price existed then); October's prices are added
     * afterwards, back-dated with a reason; re-rating the run invoices October to the cent; and once that invoice is
     * issued, a price back-dated into October is refused with the invoice named.
     */
    @Test
    void usageFromBeforeTheFirstPriceIsInvoicedOnceItsPricesAreBackdated() throws Exception {
        String finance = stack.demo("FINANCE_API_KEY");
        String main = stack.gatewayUrl(); // the real pricing behind it (gateways A and B price from this test's card)
        String tenant = JSON.readTree(send("POST", "/api/v1/admin/tenants", adminKey, """
                        {"name":"Migrant Co","legal_name":"Migrant Co GmbH","billing_country":"DE","currency":"EUR",
                         "tax_id":"DE999999999"}""", 201))
                .get("id")
                .asString();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> http("GET", "/api/v1/billing/profiles/" + tenant, adminKey, null)
                                .statusCode()
                        == 200);
        Instant october = Instant.parse("2026-10-01T00:00:00Z");
        Instant november = Instant.parse("2026-11-01T00:00:00Z");
        for (String at : List.of("2026-10-10T08:00:00Z", "2026-10-20T16:00:00Z")) {
            HttpResponse<String> accepted = java.net.http.HttpClient.newHttpClient()
                    .send(
                            java.net.http.HttpRequest.newBuilder(java.net.URI.create(gatewayUrl() + "/api/v1/events"))
                                    .header("Authorization", "Bearer " + adminKey)
                                    .header("Content-Type", "application/cloudevents+json")
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("""
                                            {"specversion":"1.0","id":"%s","source":"//old-meter",
                                             "type":"tokenmeter.usage.v1","subject":"%s","time":"%s",
                                             "data":{"model":"deepseek-v3.2","provider":"deepseek",
                                                     "region":"cn-hangzhou","input_tokens":3000000,
                                                     "cached_input_tokens":0,
                                                     "output_tokens":1500000}}""".formatted(
                                                    io.tokenmeter.contracts.usage.EventIds.newEventId(), tenant, at)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(accepted.body()).get("accepted").asInt())
                    .as(accepted.body())
                    .isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> JSON.readTree(send(
                                "GET",
                                "/api/v1/usage?from=" + october + "&to=" + november + "&granularity=month&tenant_id="
                                        + tenant,
                                finance,
                                null,
                                200))
                        .toString()
                        .contains("6000000"));

        Thread.sleep(5_000); // past the run's settle time (2 s here): its cut-off takes in what was ingested
        String runId = JSON.readTree(
                        send("POST", "/api/v1/billing/runs", finance, """
                        {"from":"%s","to":"%s"}""".formatted(october, november), 202))
                .get("id")
                .asString();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> JSON.readTree(send("GET", "/api/v1/billing/runs/" + runId, finance, null, 200))
                                .get("pending")
                                .asInt()
                        == 0);
        assertThat(send("GET", "/api/v1/billing/runs/" + runId, finance, null, 200))
                .as("no price existed in October")
                .contains(tenant);

        String book = JSON.readTree(LocalServer.at(main)
                        .withKey("POST", "/api/v1/pricing/books", adminKey, """
                                {"name":"Migrated list","currency":"EUR","purpose":"sell"}""")
                        .body())
                .get("id")
                .asString();
        String versionBody = """
                {"effective_from":"%s","backdate_reason":"migrating in: the old meter's prices",
                 "rates":[{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","rate_per_million":0.28},
                          {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","rate_per_million":1.12}]}""";
        HttpResponse<String> version = LocalServer.at(main)
                .withKey(
                        "POST",
                        "/api/v1/pricing/books/" + book + "/versions",
                        adminKey,
                        versionBody.formatted(october));
        assertThat(version.statusCode()).as(version.body()).isEqualTo(201);
        HttpResponse<String> contract = LocalServer.at(main)
                .withKey("POST", "/api/v1/pricing/contracts", adminKey, """
                {"tenant_id":"%s","price_book_id":"%s","valid_from":"%s","backdate_reason":"migrating in"}""".formatted(tenant, book, october));
        assertThat(contract.statusCode()).as(contract.body()).isEqualTo(201);

        JsonNode rerated = JSON.readTree(send("POST", "/api/v1/billing/runs/" + runId + "/rerate", finance, null, 200));
        assertThat(rerated.get("rerated").toString()).contains(tenant);
        JsonNode invoice = null;
        for (JsonNode item : JSON.readTree(
                        send("GET", "/api/v1/billing/invoices?tenant_id=" + tenant, finance, null, 200))
                .get("items")) {
            invoice = JSON.readTree(
                    send("GET", "/api/v1/billing/invoices/" + item.get("id").asString(), finance, null, 200));
        }
        assertThat(invoice).isNotNull();
        assertThat(invoice.get("subtotal").decimalValue())
                .as("6M input at 0.28 + 3M output at 1.12 EUR")
                .isEqualByComparingTo("5.04");
        String number = JSON.readTree(send(
                        "POST",
                        "/api/v1/billing/invoices/" + invoice.get("id").asString() + "/issue",
                        finance,
                        null,
                        200))
                .get("number")
                .asString();

        HttpResponse<String> overInvoice = LocalServer.at(main)
                .withKey(
                        "POST",
                        "/api/v1/pricing/books/" + book + "/versions",
                        adminKey,
                        versionBody.formatted(Instant.parse("2026-10-15T00:00:00Z")));
        assertThat(overInvoice.statusCode()).isEqualTo(409);
        assertThat(overInvoice.body()).contains(number);
    }

    private static String chatOf(String model) {
        return """
                {"model":"%s","max_tokens":5,"messages":[{"role":"user","content":"hello"}]}""".formatted(model);
    }

    /**
     * One glm-5 call of 1,000 output tokens costs exactly 0.01 EUR (10.00 per 1M, input free), and reserves as much.
     */
    private HttpResponse<String> call(String key) throws Exception {
        return call(gatewayUrl(), key);
    }

    private HttpResponse<String> call(String base, String key) throws Exception {
        return LocalServer.at(base).post("/v1/chat/completions", key, """
                {"model":"glm-5","max_tokens":1000,"messages":[{"role":"user","content":"spend a cent"}]}""");
    }

    private static String gatewayUrl() {
        return gatewayA;
    }

    /**
     * 200 calls at once, half through each of two gateway processes, which share only billing's ledger: exactly 50
     * fit, and are served.
     */
    @Test
    void twoHundredConcurrentCallsOnTwoGatewaysAgainstABudgetForFiftyServeFiftyAndSpendNotACentOver() throws Exception {
        String budgetId = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.50}", adminKey);
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(200)) {
            for (int i = 0; i < 200; i++) {
                String base = i % 2 == 0 ? gatewayA : gatewayB;
                calls.add(pool.submit(() -> call(base, tenantKey)));
            }
        }
        int served = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get();
            if (response.statusCode() == 200) {
                served++;
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(402);
                JsonNode error = JSON.readTree(response.body()).get("error");
                assertThat(error.get("code").asString()).isEqualTo("budget_exceeded");
                assertThat(error.get("message").asString()).contains(budgetId);
                refused++;
            }
        }
        JsonNode budget = settled(budgetId, tenantKey);
        assertThat(served).as("served").isEqualTo(50);
        assertThat(refused).isEqualTo(150);
        assertThat(budget.get("spent").decimalValue()).isEqualByComparingTo("0.50");
        assertThat(budget.get("reserved").decimalValue()).isEqualByComparingTo("0");
        assertThat(budget.get("remaining").decimalValue()).isEqualByComparingTo("0");
    }

    @Test
    void whatIsReservedBoundsThePromptSoNoCallCostsMoreThanItHeldAndSpendStaysWithinTheBudget() throws Exception {
        String budgetId = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.10}", adminKey);
        double overrunsBefore = overruns();
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(40)) {
            for (int i = 0; i < 40; i++) {
                calls.add(pool.submit(() -> http("POST", "/v1/chat/completions", tenantKey, """
                        {"model":"deepseek-v3.2","max_tokens":1000,"messages":[{"role":"user","content":"count these seven words of prompt please"}],
                         "simulate":{"cached_tokens":4}}""")));
            }
        }
        BigDecimal expected = BigDecimal.ZERO;
        int served = 0;
        for (Future<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get();
            if (response.statusCode() == 200) {
                served++;
                JsonNode usage = JSON.readTree(response.body()).get("usage");
                long cached = usage.get("prompt_cache_hit_tokens").asLong();
                long input = usage.get("prompt_tokens").asLong() - cached;
                expected = expected.add(BigDecimal.valueOf(input)
                        .multiply(new BigDecimal("1.00"))
                        .add(BigDecimal.valueOf(cached).multiply(new BigDecimal("0.25")))
                        .add(BigDecimal.valueOf(usage.get("completion_tokens").asLong())
                                .multiply(new BigDecimal("10.00")))
                        .movePointLeft(6));
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(402);
            }
        }
        JsonNode budget = settled(budgetId, adminKey + "?tenant_id=" + tenantId);
        assertThat(served).isBetween(1, 9); // each costs a little over 0.01
        assertThat(budget.get("spent").decimalValue())
                .isEqualByComparingTo(expected)
                .isLessThanOrEqualTo(new BigDecimal("0.10"));
        assertThat(overruns()).as("no call cost more than it reserved").isEqualTo(overrunsBefore);
    }

    /**
     * The shapes that beat the first reservation: a small max_completion_tokens beside the max_tokens the upstream
     * obeys, and n choices. 20 of each at once against a budget that covers two: two served, not a cent over.
     */
    @Test
    void aRequestsShapeCannotSpendMoreThanTheBudgetConflictingLimitsOrSeveralChoices() throws Exception {
        String conflicting = """
                {"model":"glm-5","max_completion_tokens":1,"max_tokens":10000,"messages":[{"role":"user","content":"hi"}]}""";
        String fiveChoices = """
                {"model":"glm-5","max_tokens":1000,"n":5,"messages":[{"role":"user","content":"hi"}]}""";
        // 10,000 and 5 x 1,000 output tokens at 10.00 EUR per 1M: 0.10 and 0.05 EUR a call
        for (String[] shape : new String[][] {{conflicting, "0.25", "0.10"}, {fiveChoices, "0.12", "0.05"}}) {
            String budgetId = budget(
                    "{\"api_key_id\":\"" + tenantKeyId + "\",\"kind\":\"monthly\",\"amount\":" + shape[1] + "}",
                    tenantKey);
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(20)) {
                for (int i = 0; i < 20; i++) {
                    calls.add(pool.submit(() -> http("POST", "/v1/chat/completions", tenantKey, shape[0])));
                }
            }
            int served = 0;
            for (Future<HttpResponse<String>> call : calls) {
                HttpResponse<String> response = call.get();
                if (response.statusCode() == 200) {
                    served++;
                } else {
                    assertThat(response.statusCode()).as(response.body()).isEqualTo(402);
                }
            }
            JsonNode budget = settled(budgetId, tenantKey);
            assertThat(served).as("served of " + shape[0]).isEqualTo(2);
            assertThat(budget.get("spent").decimalValue())
                    .isEqualByComparingTo(new BigDecimal(shape[2]).multiply(BigDecimal.TWO))
                    .isLessThanOrEqualTo(new BigDecimal(shape[1]));
            send("DELETE", "/api/v1/budgets/" + budgetId, tenantKey, null, 204);
        }
    }

    @Test
    void anOutputLimitNoUpstreamCouldReadIsRefusedNamingTheField() throws Exception {
        budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":1}", adminKey);
        for (String[] bad : new String[][] {
            {"\"max_tokens\":\"10000\"", "max_tokens"},
            {"\"max_completion_tokens\":1.5", "max_completion_tokens"},
            {"\"n\":0", "n"},
            {"\"n\":1000", "n"},
            {"\"max_tokens\":-1", "max_tokens"}
        }) {
            HttpResponse<String> response = http(
                    "POST",
                    "/v1/chat/completions",
                    tenantKey,
                    "{\"model\":\"glm-5\"," + bad[0] + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
            assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
            JsonNode error = JSON.readTree(response.body()).get("error");
            assertThat(error.get("param").asString()).isEqualTo(bad[1]);
            assertThat(error.get("message").asString()).contains(bad[1]).contains("integer");
        }
    }

    @Test
    void aKeysCapHoldsInsideItsTenantsAndTheTenantCapsItsKeysButNotItself() throws Exception {
        String tenantBudget =
                budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.05}", adminKey);
        JsonNode second = JSON.readTree(send(
                "POST", "/api/v1/admin/tenants/" + tenantId + "/api-keys", adminKey, "{\"name\":\"second\"}", 201));
        // the tenant caps its own key, lower
        String keyBudget =
                budget("{\"api_key_id\":\"" + tenantKeyId + "\",\"kind\":\"monthly\",\"amount\":0.02}", tenantKey);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        HttpResponse<String> capped = call(tenantKey);
        assertThat(capped.statusCode()).isEqualTo(402);
        assertThat(capped.body()).contains(keyBudget).contains("key budget");
        // the other key goes on until the tenant's cap
        String otherKey = second.get("key").asString();
        for (int i = 0; i < 3; i++) {
            assertThat(call(otherKey).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> tenantCapped = call(otherKey);
        assertThat(tenantCapped.statusCode()).isEqualTo(402);
        assertThat(tenantCapped.body()).contains(tenantBudget);
        assertThat(settled(tenantBudget, tenantKey).get("spent").decimalValue()).isEqualByComparingTo("0.05");

        // a tenant cannot raise, create or remove its own tenant budget, nor top anything up
        assertThat(http("PATCH", "/api/v1/budgets/" + tenantBudget, tenantKey, "{\"amount\":1000}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(http("DELETE", "/api/v1/budgets/" + tenantBudget, tenantKey, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(http("POST", "/api/v1/budgets", tenantKey, "{\"kind\":\"monthly\",\"amount\":1000}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(budgetView(tenantBudget, tenantKey).get("amount").decimalValue())
                .isEqualByComparingTo("0.05");
        // finance can
        String finance = JSON.readTree(send(
                        "POST", "/api/v1/admin/api-keys", adminKey, "{\"name\":\"fin\",\"role\":\"FINANCE\"}", 201))
                .get("key")
                .asString();
        assertThat(http("PATCH", "/api/v1/budgets/" + tenantBudget, finance, "{\"amount\":0.06}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(call(otherKey).statusCode()).isEqualTo(200);
        List<String> actions = new ArrayList<>();
        JSON.readTree(send("GET", "/api/v1/billing/audit?entity=budget&entity_id=" + tenantBudget, adminKey, null, 200))
                .forEach(e -> actions.add(e.get("action").asString()));
        assertThat(actions).contains("create", "change");
    }

    /**
     * After a call the lease holds room for more; lowered to 0.02, the budget takes that room back at the lease's next
     * renewal (every 200 ms here) or its release when idle, whichever comes first: then exactly one more call fits,
     * and spend stays within the new amount.
     */
    @Test
    void aLoweredBudgetAppliesAtTheLeasesNextRenewal() throws Exception {
        String budgetId = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.10}", adminKey);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        send("PATCH", "/api/v1/budgets/" + budgetId, adminKey, "{\"amount\":0.02}", 200);
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> budgetView(budgetId, tenantKey)
                                .get("reserved")
                                .decimalValue()
                                .compareTo(new BigDecimal("0.01"))
                        <= 0);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).as("0.02 spent of 0.02").isEqualTo(402);
        assertThat(settled(budgetId, tenantKey).get("spent").decimalValue()).isEqualByComparingTo("0.02");
    }

    @Test
    void aPrepaidBalanceStopsCallsWhenSpentAndATopUpLetsThemGoOn() throws Exception {
        String prepaid = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"prepaid\",\"amount\":0.02}", adminKey);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        HttpResponse<String> empty = call(tenantKey);
        assertThat(empty.statusCode()).isEqualTo(402);
        assertThat(empty.body()).contains("top up");
        assertThat(http("POST", "/api/v1/budgets/" + prepaid + "/top-ups", tenantKey, "{\"amount\":0.01}")
                        .statusCode())
                .isEqualTo(403);
        JsonNode topped = JSON.readTree(
                send("POST", "/api/v1/budgets/" + prepaid + "/top-ups", adminKey, "{\"amount\":0.01}", 200));
        assertThat(topped.get("amount").decimalValue()).isEqualByComparingTo("0.03");
        assertThat(topped.get("remaining").decimalValue()).isEqualByComparingTo("0.01");
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(402);
    }

    @Test
    void eachThresholdFiresOnceOnKafkaAndTheSignedWebhookIsRetriedUntilDelivered() throws Exception {
        webhookCalls.clear();
        webhookFailuresLeft.set(1); // the first delivery fails
        JsonNode hook = JSON.readTree(send(
                "PUT",
                "/api/v1/budgets/webhook",
                tenantKey,
                "{\"url\":\"http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook\"}",
                200));
        String secret = hook.get("secret").asString();
        String budgetId = budget(
                "{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.04,\"thresholds\":[100,50]}",
                adminKey);
        for (int i = 0; i < 4; i++) {
            assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        }
        assertThat(call(tenantKey).statusCode()).isEqualTo(402);

        List<BudgetThresholdCrossed> events = budgetAlerts(tenantId, 2);
        assertThat(events).extracting(BudgetThresholdCrossed::thresholdPercent).containsExactly(50, 100);
        assertThat(events.get(0).spent()).isEqualByComparingTo("0.02");
        assertThat(events.get(1).spent()).isEqualByComparingTo("0.04");
        assertThat(events).allSatisfy(e -> assertThat(e.budgetId()).isEqualTo(budgetId));

        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonNode alerts = JSON.readTree(send("GET", "/api/v1/budgets/alerts", tenantKey, null, 200));
                    return alerts.size() == 2
                            && alerts.get(0).get("webhook_state").asString().equals("DELIVERED")
                            && alerts.get(1).get("webhook_state").asString().equals("DELIVERED");
                });
        JsonNode alerts = JSON.readTree(send("GET", "/api/v1/budgets/alerts", tenantKey, null, 200));
        int attempts = alerts.get(0).get("deliveries").size()
                + alerts.get(1).get("deliveries").size();
        assertThat(attempts).as("one failed attempt retried").isEqualTo(3);
        assertThat(webhookCalls).hasSize(3);
        for (String[] delivered : webhookCalls) {
            String[] parts = delivered[1].split(",");
            long t = Long.parseLong(parts[0].substring(2));
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            String expected =
                    HexFormat.of().formatHex(mac.doFinal((t + "." + delivered[0]).getBytes(StandardCharsets.UTF_8)));
            assertThat(parts[1]).isEqualTo("v1=" + expected);
        }
        assertThat(JSON.readTree(webhookCalls.getLast()[0]).get("type").asString())
                .isEqualTo("budget.threshold_crossed");
        assertThat(budgetView(budgetId, tenantKey).get("thresholds_crossed")).hasSize(2);

        // raised to 0.10: the next two calls take spend from 40 % back across 50 %, which already fired this month
        send("PATCH", "/api/v1/budgets/" + budgetId, adminKey, "{\"amount\":0.10}", 200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        Thread.sleep(1500); // several delivery polls
        assertThat(JSON.readTree(send("GET", "/api/v1/budgets/alerts", tenantKey, null, 200)))
                .as("once per threshold per period")
                .hasSize(2);
        assertThat(webhookCalls).hasSize(3);
    }

    /**
     * Billing killed with SIGKILL under a steady stream of budgeted calls: the lease the gateway holds goes on serving
     * them until its TTL (3 s here, counted from its last renewal), then they are refused with 503, never waved
     * through; a key without budgets goes on (its empty list is kept); a key the gateway never saw gets 503, since
     * whether it has a budget cannot be known. Billing back: calls are served again, and the budget's spend is exactly
     * what the served calls cost (the outage's lease is settled from the usage events' charges).
     */
    @Test
    void whileBillingIsDownAHeldLeaseLastsItsTtlAndNothingUncheckedIsServed() throws Exception {
        String budgetId =
                budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":10.00}", adminKey);
        String free = JSON.readTree(send(
                        "POST",
                        "/api/v1/admin/tenants",
                        adminKey,
                        "{\"name\":\"No Budget Co\",\"billing_country\":\"DE\",\"currency\":\"EUR\"}",
                        201))
                .get("id")
                .asString();
        String freeKey = JSON.readTree(
                        send("POST", "/api/v1/admin/tenants/" + free + "/api-keys", adminKey, "{\"name\":\"a\"}", 201))
                .get("key")
                .asString();
        String unseenKey = JSON.readTree(
                        send("POST", "/api/v1/admin/tenants/" + free + "/api-keys", adminKey, "{\"name\":\"b\"}", 201))
                .get("key")
                .asString();
        assertThat(call(freeKey).statusCode()).isEqualTo(200);

        record Answer(long atNanos, int status) {}
        List<Answer> answers = new CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread caller = Thread.ofVirtual().start(() -> {
            while (running.get()) {
                try {
                    answers.add(new Answer(System.nanoTime(), call(tenantKey).statusCode()));
                    Thread.sleep(50);
                } catch (Exception e) {
                    answers.add(new Answer(System.nanoTime(), -1));
                }
            }
        });
        long killedAt;
        try {
            Thread.sleep(1_500); // the lease is busy, renewed and holds room
            stack.kill("billing-service");
            killedAt = System.nanoTime();
            try {
                HttpResponse<String> unseen = call(unseenKey);
                assertThat(unseen.statusCode()).as(unseen.body()).isEqualTo(503);
                assertThat(JSON.readTree(unseen.body()).get("error").get("code").asString())
                        .isEqualTo("budget_check_unavailable");
                Thread.sleep(4_500);
                assertThat(call(freeKey).statusCode())
                        .as("no budget, and its list is kept")
                        .isEqualTo(200);
            } finally {
                stack.restart("billing-service");
            }
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> answers.getLast().atNanos() > killedAt
                            && answers.getLast().status() == 200
                            && answers.stream().anyMatch(a -> a.status() == 503));
        } finally {
            running.set(false);
            caller.join();
        }
        long ttl = Duration.ofSeconds(3).toNanos();
        assertThat(answers).extracting(Answer::status).containsOnly(200, 503);
        assertThat(answers)
                .filteredOn(a -> a.atNanos() > killedAt && a.atNanos() < killedAt + ttl / 3)
                .as("served from the lease held while billing is down")
                .extracting(Answer::status)
                .contains(200);
        assertThat(answers)
                .filteredOn(a -> a.atNanos()
                                > killedAt + ttl + Duration.ofMillis(300).toNanos()
                        && a.atNanos() < killedAt + Duration.ofMillis(4_500).toNanos())
                .as("refused once the lease could not be renewed for its TTL")
                .isNotEmpty()
                .extracting(Answer::status)
                .containsOnly(503);
        assertThat(call(unseenKey).statusCode()).as("billing is back").isEqualTo(200);
        long served = answers.stream().filter(a -> a.status() == 200).count();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(
                                budgetView(budgetId, tenantKey).get("spent").decimalValue())
                        .as("each of the %d served calls cost 0.01", served)
                        .isEqualByComparingTo(new BigDecimal("0.01").multiply(BigDecimal.valueOf(served))));
    }

    /** Calls on gateway A whose actual cost exceeded what they held: the bound broken. */
    private static double overruns() throws Exception {
        String metrics =
                LocalServer.at(gatewayA).get("/actuator/prometheus", adminKey).body();
        return metrics.lines()
                .filter(line -> line.startsWith("tokenmeter_budget_overruns_total"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static List<BudgetThresholdCrossed> budgetAlerts(String tenantId, int count) {
        Map<String, Object> config = new HashMap<>(stack.kafkaClient());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<BudgetThresholdCrossed> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of(BudgetThresholdCrossed.TOPIC));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && found.size() < count) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (tenantId.equals(record.key())) {
                        found.add(BudgetThresholdCrossed.fromJson(record.value()));
                    }
                }
            }
        }
        assertThat(found).as("alerts of " + tenantId).hasSizeGreaterThanOrEqualTo(count);
        return found.subList(0, count);
    }

    private String budget(String body, String key) throws Exception {
        return JSON.readTree(send("POST", "/api/v1/budgets", key, body, 201))
                .get("id")
                .asString();
    }

    /** The budget once every call made so far has settled (settlement does not hold up a call's answer). */
    private JsonNode settled(String id, String key) throws Exception {
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> budgetView(id, key).get("reserved").decimalValue().signum() == 0);
        return budgetView(id, key);
    }

    /** {@code key} may carry a query string for staff, e.g. "?tenant_id=". */
    private JsonNode budgetView(String id, String key) throws Exception {
        String query = key.contains("?") ? key.substring(key.indexOf('?')) : "";
        return JSON.readTree(send(
                "GET",
                "/api/v1/budgets/" + id + query,
                key.contains("?") ? key.substring(0, key.indexOf('?')) : key,
                null,
                200));
    }

    private String send(String method, String path, String key, String body, int expected) throws Exception {
        HttpResponse<String> response = http(method, path, key, body);
        assertThat(response.statusCode())
                .as(method + " " + path + ": " + response.body())
                .isEqualTo(expected);
        return response.body();
    }

    private HttpResponse<String> http(String method, String path, String key, String body) throws Exception {
        return LocalServer.at(gatewayUrl()).withKey(method, path, key, body);
    }
}
