package io.tokenmeter.gateway;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.budgets.BudgetThresholdCrossed;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.usage.BudgetCharge;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.simulator.UpstreamSimulator;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.RealInfrastructureInitializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Budgets on the real database and broker. Pricing is played by a small HTTP server answering its rate-card
 * endpoint (output 10.00 EUR per 1M tokens; glm-5's input free, so a call's maximum cost equals its actual cost
 * exactly; deepseek's input 1.00, so the byte bound of the prompt is what gets reserved); PlatformIT runs the same
 * against the real pricing-service.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.profiles.active=routingtest",
            "tokenmeter.gateway.budgets.sweep-every=500ms",
            "tokenmeter.gateway.budgets.renew-every=200ms",
            "tokenmeter.gateway.budgets.lease-ttl=3s",
            "tokenmeter.gateway.budgets.expiry-grace=500ms",
            "tokenmeter.gateway.budgets.alerts.poll-every=200ms",
            "tokenmeter.gateway.budgets.alerts.first-retry=300ms"
        })
@RealInfrastructure
class BudgetEnforcementTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
    private static UpstreamSimulator simulator;
    private static HttpServer pricing;
    private static HttpServer webhook;
    static final List<String[]> webhookCalls = new CopyOnWriteArrayList<>(); // body, signature
    static final AtomicInteger webhookFailuresLeft = new AtomicInteger();

    @Autowired
    Environment environment;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    MeterRegistry meters;

    @Autowired
    KafkaTemplate<String, byte[]> kafka;

    String tenantId;
    String tenantKey;
    String tenantKeyId;

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) throws Exception {
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
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
        registry.add(
                "tokenmeter.gateway.services.pricing",
                () -> "http://127.0.0.1:" + pricing.getAddress().getPort());
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
    }

    @AfterAll
    static void stopServers() {
        simulator.close();
        pricing.stop(0);
        webhook.stop(0);
    }

    @BeforeEach
    void tenantWithKey() throws Exception {
        tenantId = JSON.readTree(send(
                        "POST",
                        "/api/v1/admin/tenants",
                        ADMIN_KEY,
                        "{\"name\":\"Budget Co\",\"billing_country\":\"DE\",\"currency\":\"EUR\"}",
                        201))
                .get("id")
                .asString();
        JsonNode key = JSON.readTree(send(
                "POST", "/api/v1/admin/tenants/" + tenantId + "/api-keys", ADMIN_KEY, "{\"name\":\"agent\"}", 201));
        tenantKey = key.get("key").asString();
        tenantKeyId = key.get("id").asString();
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

    private String gatewayUrl() {
        return "http://localhost:" + environment.getProperty("local.server.port");
    }

    /**
     * 200 calls at once, half through a second gateway instance on the same database: exactly 50 fit, and are served.
     */
    @Test
    void twoHundredConcurrentCallsOnTwoGatewaysAgainstABudgetForFiftyServeFiftyAndSpendNotACentOver() throws Exception {
        String budgetId =
                budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.50}", ADMIN_KEY);
        java.nio.file.Path spool = java.nio.file.Files.createTempDirectory("second-gateway-spool");
        try (ConfigurableApplicationContext second = new SpringApplicationBuilder(GatewayApplication.class)
                .initializers(new RealInfrastructureInitializer())
                .run(
                        "--spring.profiles.active=routingtest",
                        "--server.port=0", // arguments: they outrank application.yml
                        "--tokenmeter.gateway.spool.directory=" + spool,
                        "--tokenmeter.gateway.keys.bootstrap-admin-key-sha256=" + ApiKeys.sha256(ADMIN_KEY),
                        "--tokenmeter.gateway.services.pricing="
                                + environment.getProperty("tokenmeter.gateway.services.pricing"),
                        "--UPSTREAM_SIMULATOR_URL=" + environment.getProperty("UPSTREAM_SIMULATOR_URL"),
                        "--UPSTREAM_SIMULATOR_DEEPSEEK_URL="
                                + environment.getProperty("UPSTREAM_SIMULATOR_DEEPSEEK_URL"),
                        "--UPSTREAM_SIMULATOR_ANTHROPIC_URL="
                                + environment.getProperty("UPSTREAM_SIMULATOR_ANTHROPIC_URL"),
                        "--UPSTREAM_SIMULATOR_API_KEY=" + SimulatedUpstreams.CREDENTIAL)) {
            String secondGateway = "http://localhost:" + second.getEnvironment().getProperty("local.server.port");
            List<Future<HttpResponse<String>>> calls = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(200)) {
                for (int i = 0; i < 200; i++) {
                    String base = i % 2 == 0 ? gatewayUrl() : secondGateway;
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
    }

    @Test
    void whatIsReservedBoundsThePromptSoNoCallCostsMoreThanItHeldAndSpendStaysWithinTheBudget() throws Exception {
        String budgetId =
                budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.10}", ADMIN_KEY);
        double overrunsBefore = meters.counter("tokenmeter.budget.overruns").count();
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
        JsonNode budget = settled(budgetId, ADMIN_KEY + "?tenant_id=" + tenantId);
        assertThat(served).isBetween(1, 9); // each costs a little over 0.01
        assertThat(budget.get("spent").decimalValue())
                .isEqualByComparingTo(expected)
                .isLessThanOrEqualTo(new BigDecimal("0.10"));
        assertThat(meters.counter("tokenmeter.budget.overruns").count())
                .as("no call cost more than it reserved")
                .isEqualTo(overrunsBefore);
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
        budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":1}", ADMIN_KEY);
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
                budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.05}", ADMIN_KEY);
        JsonNode second = JSON.readTree(send(
                "POST", "/api/v1/admin/tenants/" + tenantId + "/api-keys", ADMIN_KEY, "{\"name\":\"second\"}", 201));
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
                        "POST", "/api/v1/admin/api-keys", ADMIN_KEY, "{\"name\":\"fin\",\"role\":\"FINANCE\"}", 201))
                .get("key")
                .asString();
        assertThat(http("PATCH", "/api/v1/budgets/" + tenantBudget, finance, "{\"amount\":0.06}")
                        .statusCode())
                .isEqualTo(200);
        assertThat(call(otherKey).statusCode()).isEqualTo(200);
        List<String> actions = new ArrayList<>();
        JSON.readTree(send("GET", "/api/v1/admin/audit?entity=budget&entity_id=" + tenantBudget, ADMIN_KEY, null, 200))
                .forEach(e -> actions.add(e.get("action").asString()));
        assertThat(actions).contains("create", "change");
    }

    @Test
    void aTenantCannotSeeOrTouchAnotherTenantsBudgets() throws Exception {
        String mine = budget("{\"api_key_id\":\"" + tenantKeyId + "\",\"kind\":\"monthly\",\"amount\":1}", tenantKey);
        String otherTenant = JSON.readTree(send(
                        "POST",
                        "/api/v1/admin/tenants",
                        ADMIN_KEY,
                        "{\"name\":\"Other\",\"billing_country\":\"FR\",\"currency\":\"EUR\"}",
                        201))
                .get("id")
                .asString();
        String otherKey = JSON.readTree(send(
                        "POST",
                        "/api/v1/admin/tenants/" + otherTenant + "/api-keys",
                        ADMIN_KEY,
                        "{\"name\":\"o\"}",
                        201))
                .get("key")
                .asString();
        assertThat(http("GET", "/api/v1/budgets/" + mine, otherKey, null).statusCode())
                .isEqualTo(404);
        assertThat(http("PATCH", "/api/v1/budgets/" + mine, otherKey, "{\"amount\":5}")
                        .statusCode())
                .isEqualTo(404);
        assertThat(http("DELETE", "/api/v1/budgets/" + mine, otherKey, null).statusCode())
                .isEqualTo(404);
        assertThat(http("GET", "/api/v1/budgets?tenant_id=" + tenantId, otherKey, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(JSON.readTree(send("GET", "/api/v1/budgets", otherKey, null, 200)))
                .isEmpty();
        assertThat(http(
                                "POST",
                                "/api/v1/budgets",
                                otherKey,
                                "{\"api_key_id\":\"" + tenantKeyId + "\",\"kind\":\"monthly\",\"amount\":0}")
                        .statusCode())
                .as("capping another tenant's key")
                .isEqualTo(404);
        assertThat(http("GET", "/api/v1/budgets/alerts?tenant_id=" + tenantId, otherKey, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(budgetView(mine, tenantKey).get("amount").decimalValue()).isEqualByComparingTo("1");
    }

    /**
     * After a call the lease holds room for more; lowered to 0.02, the budget takes that room back at the lease's next
     * renewal (every 200 ms here) or its release when idle, whichever comes first: then exactly one more call fits,
     * and spend stays within the new amount.
     */
    @Test
    void aLoweredBudgetAppliesAtTheLeasesNextRenewal() throws Exception {
        String budgetId =
                budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.10}", ADMIN_KEY);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        send("PATCH", "/api/v1/budgets/" + budgetId, ADMIN_KEY, "{\"amount\":0.02}", 200);
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
        String prepaid = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"prepaid\",\"amount\":0.02}", ADMIN_KEY);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        HttpResponse<String> empty = call(tenantKey);
        assertThat(empty.statusCode()).isEqualTo(402);
        assertThat(empty.body()).contains("top up");
        assertThat(http("POST", "/api/v1/budgets/" + prepaid + "/top-ups", tenantKey, "{\"amount\":0.01}")
                        .statusCode())
                .isEqualTo(403);
        JsonNode topped = JSON.readTree(
                send("POST", "/api/v1/budgets/" + prepaid + "/top-ups", ADMIN_KEY, "{\"amount\":0.01}", 200));
        assertThat(topped.get("amount").decimalValue()).isEqualByComparingTo("0.03");
        assertThat(topped.get("remaining").decimalValue()).isEqualByComparingTo("0.01");
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(402);
    }

    /**
     * What a gateway killed while holding a lease leaves behind: the lease (0.03 EUR of a 0.05 budget granted, none of
     * it reported) and, on Kafka, the usage events of the two calls it served, each charging 0.01 to the lease. Its
     * spend is booked from those events; once the lease expires its unspent cent is free again; nothing is lost or
     * counted twice. (PlatformIT kills a real gateway process with SIGKILL.)
     */
    @Test
    void theLeaseOfACrashedGatewayExpiresAndItsCallsSpendIsBookedFromTheirUsageEvents() throws Exception {
        String budgetId =
                budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.05}", ADMIN_KEY);
        Instant month = Instant.parse(
                budgetView(budgetId, tenantKey).get("period").get("start").asString());
        java.util.UUID deadLease = java.util.UUID.randomUUID();
        jdbc.update(
                "INSERT INTO budget_window (budget_id, window_start, window_end, reserved) VALUES (?, ?, ?, 0.03)",
                budgetId,
                java.sql.Timestamp.from(month),
                java.sql.Timestamp.from(
                        month.atOffset(java.time.ZoneOffset.UTC).plusMonths(1).toInstant()));
        jdbc.update(
                "INSERT INTO budget_lease (id, budget_id, window_start, instance_id, granted, held, expires_at)"
                        + " VALUES (?, ?, ?, 'gw-killed', 0.03, 0.03, now() + interval '3 seconds')",
                deadLease,
                budgetId,
                java.sql.Timestamp.from(month));
        for (int i = 0; i < 2; i++) {
            UsageEvent served = new UsageEvent(
                    UsageEvent.SCHEMA_VERSION,
                    EventIds.newEventId(),
                    tenantId,
                    tenantKeyId,
                    "glm-5",
                    "zhipu",
                    "cn-beijing",
                    0,
                    0,
                    0,
                    1000,
                    0,
                    false,
                    "req-dead-" + i,
                    UsageStatus.SUCCEEDED,
                    5,
                    Instant.now(),
                    List.of(new BudgetCharge(deadLease, budgetId, new BigDecimal("0.01"))));
            byte[] json = UsageEventCodec.toJson(served);
            kafka.send(UsageTopics.USAGE_EVENTS, tenantId, json).get();
            if (i == 0) {
                kafka.send(UsageTopics.USAGE_EVENTS, tenantId, json).get(); // a replay: booked once
            }
        }
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> budgetView(budgetId, tenantKey)
                                .get("spent")
                                .decimalValue()
                                .compareTo(new BigDecimal("0.02"))
                        == 0);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode())
                .as("the dead gateway's unspent cent is still held by its lease")
                .isEqualTo(402);
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(200))
                .until(() ->
                        jdbc.queryForObject("SELECT closed_by FROM budget_lease WHERE id = ?", String.class, deadLease)
                                != null);
        assertThat(jdbc.queryForObject("SELECT closed_by FROM budget_lease WHERE id = ?", String.class, deadLease))
                .isEqualTo("EXPIRED");
        assertThat(call(tenantKey).statusCode()).as("the cent is free again").isEqualTo(200);
        JsonNode budget = settled(budgetId, tenantKey);
        assertThat(budget.get("spent").decimalValue()).isEqualByComparingTo("0.05");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM budget_charge WHERE lease_id = ?", Integer.class, deadLease))
                .isEqualTo(2);
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
                ADMIN_KEY);
        for (int i = 0; i < 4; i++) {
            assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        }
        assertThat(call(tenantKey).statusCode()).isEqualTo(402);

        List<BudgetThresholdCrossed> events = EmittedUsage.budgetAlerts(tenantId, 2);
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
        send("PATCH", "/api/v1/budgets/" + budgetId, ADMIN_KEY, "{\"amount\":0.10}", 200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        Thread.sleep(1500); // several delivery polls
        assertThat(JSON.readTree(send("GET", "/api/v1/budgets/alerts", tenantKey, null, 200)))
                .as("once per threshold per period")
                .hasSize(2);
        assertThat(webhookCalls).hasSize(3);
    }

    /**
     * The webhook made the gateway a scanner of its own network: private, loopback and metadata targets are refused.
     */
    @Test
    void aWebhookMustPointAtAPublicAddress() throws Exception {
        for (String url : List.of(
                "http://10.0.0.1/hook",
                "http://localhost:8080/actuator/prometheus",
                "http://169.254.169.254/latest/meta-data",
                "http://[::1]:80/x",
                "http://100.64.0.1/",
                "http://192.168.1.1/",
                "http://0.0.0.0:5432/")) {
            HttpResponse<String> response =
                    http("PUT", "/api/v1/budgets/webhook", tenantKey, "{\"url\":\"" + url + "\"}");
            assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(400);
            JsonNode error = JSON.readTree(response.body()).get("errors").get(0);
            assertThat(error.get("pointer").asString()).isEqualTo("/url");
            assertThat(error.get("rule").asString()).isEqualTo("public-address");
        }
    }

    /**
     * The secret is sealed in the database (AES-GCM), and a webhook whose name resolves to a private address at
     * delivery
     * time (DNS rebinding, played here by rewriting the stored URL) is not called; the tenant sees an outcome word
     * only.
     */
    @Test
    void theSigningSecretIsSealedAtRestAndATargetThatTurnedPrivateIsNotCalled() throws Exception {
        JsonNode hook = JSON.readTree(send(
                "PUT",
                "/api/v1/budgets/webhook",
                tenantKey,
                "{\"url\":\"http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook\"}",
                200));
        String secret = hook.get("secret").asString();
        String stored =
                jdbc.queryForObject("SELECT secret FROM budget_webhook WHERE tenant_id = ?", String.class, tenantId);
        assertThat(stored).startsWith("enc:v1:").doesNotContain(secret).doesNotContain(secret.substring(6));

        jdbc.update("UPDATE budget_webhook SET url = 'http://10.255.255.1:9/hook' WHERE tenant_id = ?", tenantId);
        int callsBefore = webhookCalls.size();
        budget(
                "{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.01,\"thresholds\":[100]}",
                ADMIN_KEY);
        assertThat(call(tenantKey).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonNode alerts = JSON.readTree(send("GET", "/api/v1/budgets/alerts", tenantKey, null, 200));
                    return alerts.size() == 1
                            && !alerts.get(0).get("deliveries").isEmpty();
                });
        JsonNode delivery = JSON.readTree(send("GET", "/api/v1/budgets/alerts", tenantKey, null, 200))
                .get(0)
                .get("deliveries")
                .get(0);
        assertThat(delivery.get("outcome").asString()).isEqualTo("refused_target");
        assertThat(delivery.has("status_class")).isFalse();
        assertThat(delivery.toString()).doesNotContain("10.255.255.1").doesNotContain("Exception");
        assertThat(webhookCalls).hasSize(callsBefore);
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
