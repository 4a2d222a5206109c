package io.tokenmeter.billing;

import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseGrant;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Window;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.keys.TenantKeyChanged;
import io.tokenmeter.contracts.tenants.TenantProfileChanged;
import io.tokenmeter.contracts.usage.BudgetCharge;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.SharedInfrastructure;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Budgets at their owner, on the real database and broker: definitions and who may touch them, the tenants and keys
 * they learn from Kafka, the lease API only the gateway may use, spend booked from usage events when a gateway died,
 * and webhooks. Enforcement on model calls through real gateway processes: {@code e2e-tests} BudgetsIT.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class BudgetsTest {

    static final Caller ADMIN = new Caller("key-admin", Role.ADMIN, null);
    private static final JsonMapper JSON = WireJson.MAPPER;
    private static HttpServer webhook;
    private static final List<String> webhookCalls = new CopyOnWriteArrayList<>();

    @Autowired
    Environment environment;

    @Autowired
    JdbcTemplate jdbc;

    String tenantId;
    String keyId;
    Caller tenant;

    @BeforeAll
    static void webhookReceiver() throws Exception {
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            webhookCalls.add(new String(exchange.getRequestBody().readAllBytes()));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        webhook.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        webhook.start();
    }

    @AfterAll
    static void stopReceiver() {
        webhook.stop(0);
    }

    @BeforeEach
    void tenantWithKey() {
        tenantId = "ten_" + UUID.randomUUID();
        keyId = "key_" + UUID.randomUUID();
        tenant = new Caller(keyId, Role.TENANT, tenantId);
        publish(TenantProfileChanged.TOPIC, tenantId, profile(tenantId).toJson());
        publish(TenantKeyChanged.TOPIC, keyId, new TenantKeyChanged(keyId, tenantId, Instant.now(), null).toJson());
    }

    @Test
    void aTenantOrKeyCreatedAMomentAgoIsWaitedForAndAKeyOfNobodyOrOfAnotherTenantIsNotFound() throws Exception {
        String lateTenant = "ten_" + UUID.randomUUID();
        String lateKey = "key_" + UUID.randomUUID();
        CompletableFuture<Void> arrives = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(700); // after billing was asked
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            publish(TenantProfileChanged.TOPIC, lateTenant, profile(lateTenant).toJson());
            publish(
                    TenantKeyChanged.TOPIC,
                    lateKey,
                    new TenantKeyChanged(lateKey, lateTenant, Instant.now(), null).toJson());
        });
        HttpResponse<String> created = send(
                "POST",
                "/api/v1/budgets",
                new Caller(lateKey, Role.TENANT, lateTenant),
                "{\"api_key_id\":\"" + lateKey + "\",\"kind\":\"monthly\",\"amount\":1}");
        arrives.join();
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(JSON.readTree(created.body()).get("currency").asString()).isEqualTo("EUR");

        assertProblem(
                send(
                        "POST",
                        "/api/v1/budgets",
                        tenant,
                        "{\"api_key_id\":\"key_nobody\",\"kind\":\"monthly\",\"amount\":1}"),
                404,
                "no key key_nobody");
        assertProblem(
                send(
                        "POST",
                        "/api/v1/budgets",
                        tenant,
                        "{\"api_key_id\":\"" + lateKey + "\",\"kind\":\"monthly\",\"amount\":1}"),
                404,
                "has no key " + lateKey);
        assertProblem(
                send(
                        "POST",
                        "/api/v1/budgets",
                        ADMIN,
                        "{\"tenant_id\":\"ten_nobody\",\"kind\":\"monthly\",\"amount\":1}"),
                404,
                "no tenant ten_nobody");
        assertProblem(
                send(
                        "POST",
                        "/api/v1/budgets",
                        tenant,
                        "{\"api_key_id\":\"" + keyId + "\",\"kind\":\"monthly\",\"amount\":1.001}"),
                400,
                "decimals");
    }

    /**
     * Waiting for a key that may never come holds no database connection: thirty budgets for unknown keys wait at once
     * (more than the pool's connections), and another request is answered meanwhile, at once.
     */
    @Test
    void budgetsWaitingForAKeyHoldNoDatabaseConnection() throws Exception {
        List<CompletableFuture<HttpResponse<String>>> waiting = new java.util.ArrayList<>();
        java.util.concurrent.ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        for (int i = 0; i < 30; i++) {
            String body = "{\"api_key_id\":\"key_never_" + i + "\",\"kind\":\"monthly\",\"amount\":1}";
            waiting.add(CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return send("POST", "/api/v1/budgets", tenant, body);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    threads));
        }
        Thread.sleep(500); // all of them waiting now
        long started = System.nanoTime();
        HttpResponse<String> meanwhile = send("GET", "/api/v1/budgets", tenant, null);
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertThat(meanwhile.statusCode()).as(meanwhile.body()).isEqualTo(200);
        assertThat(millis).as("answered while thirty creations wait").isLessThan(1_000);
        for (CompletableFuture<HttpResponse<String>> w : waiting) {
            assertThat(w.get().statusCode()).isEqualTo(404);
        }
        threads.close();
    }

    @Test
    void aTenantCannotSeeOrTouchAnotherTenantsBudgetsNorSetItsOwnCap() throws Exception {
        String mine = budget("{\"api_key_id\":\"" + keyId + "\",\"kind\":\"monthly\",\"amount\":1}", tenant);
        Caller other = new Caller("key_other", Role.TENANT, "ten_other_" + UUID.randomUUID());
        assertThat(send("GET", "/api/v1/budgets/" + mine, other, null).statusCode())
                .isEqualTo(404);
        assertThat(send("PATCH", "/api/v1/budgets/" + mine, other, "{\"amount\":5}")
                        .statusCode())
                .isEqualTo(404);
        assertThat(send("DELETE", "/api/v1/budgets/" + mine, other, null).statusCode())
                .isEqualTo(404);
        assertThat(send("GET", "/api/v1/budgets?tenant_id=" + tenantId, other, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(JSON.readTree(send("GET", "/api/v1/budgets", other, null).body()))
                .isEmpty();
        assertThat(send("GET", "/api/v1/budgets/alerts?tenant_id=" + tenantId, other, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(send("POST", "/api/v1/budgets", tenant, "{\"kind\":\"monthly\",\"amount\":1000}")
                        .statusCode())
                .as("a tenant's own cap is set by finance or admin")
                .isEqualTo(403);
        assertThat(view(mine, tenant).get("amount").decimalValue()).isEqualByComparingTo("1");
        List<String> actions = JSON.readTree(
                        send("GET", "/api/v1/billing/audit?entity=budget&entity_id=" + mine, ADMIN, null)
                                .body())
                .valueStream()
                .map(e -> e.get("action").asString())
                .toList();
        assertThat(actions).contains("create");
    }

    @Test
    void onlyTheGatewayItselfMayAskWhichBudgetsApplyOrHoldLeases() throws Exception {
        String budgetId = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":1}", ADMIN);
        String applicable = BudgetLeaseApi.APPLICABLE_PATH + "?tenant_id=" + tenantId + "&key_id=" + keyId;
        for (Caller notTheGateway : List.of(ADMIN, tenant)) {
            assertThat(send("GET", applicable, notTheGateway, null).statusCode())
                    .isEqualTo(403);
            assertThat(send(
                                    "POST",
                                    BudgetLeaseApi.LEASES_PATH,
                                    notTheGateway,
                                    JSON.writeValueAsString(lease(budgetId, "0.01", "0.01")))
                            .statusCode())
                    .isEqualTo(403);
        }
        HttpResponse<String> budgets = send("GET", applicable, BudgetLeaseApi.GATEWAY_ITSELF, null);
        assertThat(budgets.statusCode()).as(budgets.body()).isEqualTo(200);
        assertThat(JSON.readTree(budgets.body()).get(0).get("id").asString()).isEqualTo(budgetId);
        assertThat(view(budgetId, tenant).get("reserved").decimalValue()).isZero();
    }

    /**
     * What a gateway killed while holding a lease leaves behind: the lease (granted, nothing reported) and, on Kafka,
     * the usage events of the two calls it served, each charging 0.01 to the lease, one of them twice. Its spend is
     * booked from those events, once each; when the lease expires its unspent slice is free again. (e2e-tests kills a
     * real gateway process with SIGKILL.)
     */
    @Test
    void theLeaseOfACrashedGatewayExpiresAndItsCallsSpendIsBookedFromTheirUsageEvents() throws Exception {
        String budgetId = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.10}", ADMIN);
        LeaseGrant grant = renew(lease(budgetId, "0.01", "0.04"));
        assertThat(grant.refused()).isFalse();
        assertThat(grant.granted()).isGreaterThanOrEqualTo(new BigDecimal("0.02"));
        assertThat(view(budgetId, tenant).get("reserved").decimalValue()).isEqualByComparingTo(grant.granted());
        for (int i = 0; i < 2; i++) {
            byte[] event = UsageEventCodec.toJson(servedCall(grant.leaseId(), budgetId, i));
            publish(UsageTopics.USAGE_EVENTS, tenantId, event);
            if (i == 0) {
                publish(UsageTopics.USAGE_EVENTS, tenantId, event); // a replay: booked once
            }
        }
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(
                        () -> assertThat(view(budgetId, tenant).get("spent").decimalValue())
                                .isEqualByComparingTo("0.02"));
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "EXPIRED"
                        .equals(jdbc.queryForObject(
                                "SELECT closed_by FROM budget_lease WHERE id = ?", String.class, grant.leaseId())));
        JsonNode budget = view(budgetId, tenant);
        assertThat(budget.get("spent").decimalValue()).isEqualByComparingTo("0.02");
        assertThat(budget.get("reserved").decimalValue())
                .as("the slice is free again")
                .isZero();
        assertThat(budget.get("remaining").decimalValue()).isEqualByComparingTo("0.08");
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM budget_charge WHERE lease_id = ?", Integer.class, grant.leaseId()))
                .isEqualTo(2);
    }

    /**
     * A gateway cut off from billing past its lease's TTL keeps the spend of the calls it served under it; when billing
     * answers again the lease has expired, and the report that comes with the renewal is booked all the same, once,
     * as is a larger final report on release. (Before, it was dropped and the spend waited for the usage events.)
     */
    @Test
    void aReportOnALeaseThatExpiredMeanwhileIsStillBookedOnce() throws Exception {
        String budgetId = budget("{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":1.00}", ADMIN);
        LeaseGrant grant = renew(lease(budgetId, "0.01", "0.10"));
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> "EXPIRED"
                        .equals(jdbc.queryForObject(
                                "SELECT closed_by FROM budget_lease WHERE id = ?", String.class, grant.leaseId())));
        assertThat(view(budgetId, tenant).get("spent").decimalValue()).isZero();

        LeaseRequest late = new LeaseRequest(
                grant.leaseId(),
                budgetId,
                window(),
                "gw-test",
                new BigDecimal("0.03"),
                new BigDecimal("0.03"),
                BigDecimal.ZERO,
                new BigDecimal("0.01"),
                new BigDecimal("0.10"),
                2_000);
        for (int i = 0; i < 2; i++) { // a repeat adds nothing
            LeaseGrant gone = renew(late);
            assertThat(gone.gone()).isTrue();
            assertThat(gone.granted()).isZero();
            JsonNode budget = view(budgetId, tenant);
            assertThat(budget.get("spent").decimalValue()).isEqualByComparingTo("0.03");
            assertThat(budget.get("reserved").decimalValue()).isZero();
        }
        HttpResponse<String> released = send(
                "POST",
                BudgetLeaseApi.RELEASE_PATH,
                BudgetLeaseApi.GATEWAY_ITSELF,
                JSON.writeValueAsString(new BudgetLeaseApi.LeaseRelease(grant.leaseId(), new BigDecimal("0.04"))));
        assertThat(released.statusCode()).as(released.body()).isEqualTo(204);
        assertThat(view(budgetId, tenant).get("spent").decimalValue()).isEqualByComparingTo("0.04");
    }

    /** A webhook would make billing a scanner of its own network: private, loopback and metadata targets are not. */
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
            HttpResponse<String> response = send("PUT", "/api/v1/budgets/webhook", tenant, "{\"url\":\"" + url + "\"}");
            assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(400);
            JsonNode error = JSON.readTree(response.body()).get("errors").get(0);
            assertThat(error.get("pointer").asString()).isEqualTo("/url");
            assertThat(error.get("rule").asString()).isEqualTo("public-address");
        }
    }

    /**
     * The secret is sealed in the database (AES-GCM), and a webhook whose name resolves to a private address at
     * delivery time (DNS rebinding, played here by rewriting the stored URL) is not called; the tenant sees an outcome
     * word only.
     */
    @Test
    void theSigningSecretIsSealedAtRestAndATargetThatTurnedPrivateIsNotCalled() throws Exception {
        HttpResponse<String> set = send(
                "PUT",
                "/api/v1/budgets/webhook",
                tenant,
                "{\"url\":\"http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook\"}");
        assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        String secret = JSON.readTree(set.body()).get("secret").asString();
        String stored =
                jdbc.queryForObject("SELECT secret FROM budget_webhook WHERE tenant_id = ?", String.class, tenantId);
        assertThat(stored).startsWith("enc:v1:").doesNotContain(secret).doesNotContain(secret.substring(6));

        jdbc.update("UPDATE budget_webhook SET url = 'http://10.255.255.1:9/hook' WHERE tenant_id = ?", tenantId);
        int callsBefore = webhookCalls.size();
        String budgetId = budget(
                "{\"tenant_id\":\"" + tenantId + "\",\"kind\":\"monthly\",\"amount\":0.01,\"thresholds\":[100]}",
                ADMIN);
        LeaseGrant grant = renew(lease(budgetId, "0.01", "0.01"));
        renew(new LeaseRequest(
                grant.leaseId(),
                budgetId,
                window(),
                "gw-test",
                new BigDecimal("0.01"),
                new BigDecimal("0.01"),
                BigDecimal.ZERO,
                new BigDecimal("0.01"),
                BigDecimal.ZERO,
                30_000)); // the gateway reports the cent spent: 100 % crossed
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    JsonNode alerts = JSON.readTree(
                            send("GET", "/api/v1/budgets/alerts", tenant, null).body());
                    return alerts.size() == 1
                            && !alerts.get(0).get("deliveries").isEmpty();
                });
        JsonNode delivery = JSON.readTree(
                        send("GET", "/api/v1/budgets/alerts", tenant, null).body())
                .get(0)
                .get("deliveries")
                .get(0);
        assertThat(delivery.get("outcome").asString()).isEqualTo("refused_target");
        assertThat(delivery.has("status_class")).isFalse();
        assertThat(delivery.toString()).doesNotContain("10.255.255.1").doesNotContain("Exception");
        assertThat(webhookCalls).hasSize(callsBefore);
    }

    private UsageEvent servedCall(UUID leaseId, String budgetId, int i) {
        return new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                EventIds.newEventId(),
                tenantId,
                keyId,
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
                List.of(new BudgetCharge(leaseId, budgetId, new BigDecimal("0.01"))));
    }

    private static Window window() {
        var month = Instant.now()
                .atOffset(java.time.ZoneOffset.UTC)
                .toLocalDate()
                .withDayOfMonth(1)
                .atStartOfDay()
                .atOffset(java.time.ZoneOffset.UTC);
        return new Window(month.toInstant(), month.plusMonths(1).toInstant());
    }

    /** A new lease of a gateway that then dies: it lives 2 s unless renewed. */
    private static LeaseRequest lease(String budgetId, String need, String want) {
        return new LeaseRequest(
                null,
                budgetId,
                window(),
                "gw-test",
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                new BigDecimal(need),
                new BigDecimal("0.01"),
                new BigDecimal(want),
                2_000);
    }

    private LeaseGrant renew(LeaseRequest request) throws Exception {
        HttpResponse<String> response = send(
                "POST", BudgetLeaseApi.LEASES_PATH, BudgetLeaseApi.GATEWAY_ITSELF, JSON.writeValueAsString(request));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readValue(response.body(), LeaseGrant.class);
    }

    private static TenantProfileChanged profile(String id) {
        return new TenantProfileChanged(
                id, "Budget Co", "Budget Co GmbH", "DE", null, "EUR", null, "ACTIVE", Instant.now());
    }

    private String budget(String body, Caller caller) throws Exception {
        HttpResponse<String> created = send("POST", "/api/v1/budgets", caller, body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return JSON.readTree(created.body()).get("id").asString();
    }

    private JsonNode view(String id, Caller caller) throws Exception {
        HttpResponse<String> response = send("GET", "/api/v1/budgets/" + id, caller, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static void publish(String topic, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(topic, key, value));
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/problem+json");
        assertThat(response.body()).contains(detail);
    }

    private HttpResponse<String> send(String method, String path, Caller caller, String body) throws Exception {
        return LocalServer.of(environment).signed(method, path, caller, body);
    }
}
