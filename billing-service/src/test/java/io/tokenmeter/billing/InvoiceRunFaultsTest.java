package io.tokenmeter.billing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.tenants.TenantProfileChanged;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.SharedInfrastructure;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An invoice run while metering stalls for one tenant (played by a small HTTP server; pricing too): the stalled call
 * times out, that tenant fails with the reason and the other is invoiced; and while the call hangs, billing holds no
 * database connection, since usage and quotes are fetched before the tenant's transaction opens.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tokenmeter.billing.runs.grace=1s",
            "tokenmeter.billing.runs.settle=1s",
            "tokenmeter.billing.services.call-timeout=2s"
        })
@RealInfrastructure
class InvoiceRunFaultsTest {

    static final Caller ADMIN = new Caller("key-admin", Role.ADMIN, null);
    static final Caller FINANCE = new Caller("key-finance", Role.FINANCE, null);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String OK = "ten_ok_" + UUID.randomUUID();
    private static final String STALLED = "ten_stalled_" + UUID.randomUUID();
    private static final CountDownLatch stallStarted = new CountDownLatch(1);
    private static HttpServer services;

    @Autowired
    Environment environment;

    @DynamicPropertySource
    static void fakeMeteringAndPricing(DynamicPropertyRegistry registry) throws IOException {
        services = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        services.createContext(
                "/api/v1/usage/billable/tenants",
                exchange -> respond(exchange, "[\"" + OK + "\",\"" + STALLED + "\"]"));
        services.createContext("/api/v1/usage/billable", exchange -> {
            if (exchange.getRequestURI().getQuery().contains(STALLED)) {
                stallStarted.countDown();
                sleep(6000); // longer than the call timeout
            }
            respond(exchange, """
                    {"lines":[{"model":"glm-5","region":"cn-beijing","token_class":"input","tokens":1000000,
                      "buckets":[{"from":"2026-01-01T00:00:00Z","to":"2026-01-01T00:30:00Z","tokens":1000000}]}]}""");
        });
        services.createContext("/api/v1/rating/price-edges", exchange -> respond(exchange, """
                {"tenant_id":"t","from":"2026-01-01T00:00:00Z","to":"2026-02-01T00:00:00Z","edges":[]}"""));
        services.createContext("/api/v1/rating/quote", exchange -> respond(exchange, """
                {"lines":[{"model":"glm-5","region":"cn-beijing","token_class":"input","tokens":1000000,"priced":true,"currency":"SGD",
                  "amount":1.00,"tiers":[{"tier":1,"tokens":1000000,"rate_per_million":1.00,"amount":1.00}]}]}"""));
        services.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        services.start();
        String base = "http://127.0.0.1:" + services.getAddress().getPort();
        registry.add("tokenmeter.billing.services.metering", () -> base);
        registry.add("tokenmeter.billing.services.pricing", () -> base);
    }

    @AfterAll
    static void stop() {
        services.stop(0);
    }

    @Test
    void aStalledServiceFailsItsTenantAtTheTimeoutHoldingNoConnectionAndTheRestIsInvoiced() throws Exception {
        String issuer =
                "F" + UUID.randomUUID().toString().substring(0, 6).toUpperCase().replace("-", "0");
        assertThat(send(
                                "POST",
                                "/api/v1/billing/issuers",
                                ADMIN,
                                "{\"id\":\"" + issuer + "\",\"legal_name\":\"Faults Ltd\",\"country\":\"IS\"}")
                        .statusCode())
                .isEqualTo(201);
        assertThat(send(
                                "POST",
                                "/api/v1/billing/tax-rules",
                                ADMIN,
                                JSON.writeValueAsString(Map.of(
                                        "issuer_country",
                                        "IS",
                                        "buyer_country",
                                        "*",
                                        "buyer_type",
                                        "any",
                                        "name",
                                        "Export",
                                        "rate_percent",
                                        "0",
                                        "legal_note",
                                        "zero-rated")))
                        .statusCode())
                .isIn(201, 409);
        for (String tenant : List.of(OK, STALLED)) {
            publish(new TenantProfileChanged(
                    tenant, tenant, tenant + " Pte. Ltd.", "SG", null, "SGD", issuer, "ACTIVE", Instant.now()));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> send("GET", "/api/v1/billing/profiles/" + OK, FINANCE, null)
                                        .statusCode()
                                == 200
                        && send("GET", "/api/v1/billing/profiles/" + STALLED, FINANCE, null)
                                        .statusCode()
                                == 200);

        Instant to = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
        HttpResponse<String> started = send(
                "POST",
                "/api/v1/billing/runs",
                FINANCE,
                "{\"from\":\"" + to.minusSeconds(60) + "\",\"to\":\"" + to + "\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String runId = JSON.readTree(started.body()).get("id").asString();

        assertThat(stallStarted.await(20, TimeUnit.SECONDS))
                .as("the stalled tenant's usage was asked for")
                .isTrue();
        // while the call hangs: the stalled tenant's run row is not locked, and no billing session idles in a
        // transaction
        // (before, its transaction stayed open, row locked, for as long as metering took)
        List<String> heldWhileStalled = new ArrayList<>();
        var db = io.tokenmeter.testsupport.SharedInfrastructure.serviceDatabase("billing_service");
        try (java.sql.Connection owner =
                java.sql.DriverManager.getConnection(db.url(), db.ownerUser(), db.ownerPassword())) {
            for (int i = 0; i < 10; i++) {
                owner.setAutoCommit(false);
                try (var probe = owner.prepareStatement(
                        "SELECT 1 FROM invoice_run_tenant WHERE run_id = ?::uuid AND tenant_id = ? FOR UPDATE NOWAIT")) {
                    probe.setString(1, runId);
                    probe.setString(2, STALLED);
                    probe.executeQuery().close();
                } catch (java.sql.SQLException locked) {
                    heldWhileStalled.add("run row locked: " + locked.getMessage());
                }
                owner.rollback();
                owner.setAutoCommit(true);
                try (var idle = owner.prepareStatement(
                        "SELECT count(*) FROM pg_stat_activity WHERE usename = ? AND state = 'idle in transaction'")) {
                    idle.setString(1, db.appUser());
                    try (var rs = idle.executeQuery()) {
                        rs.next();
                        if (rs.getLong(1) > 0) {
                            heldWhileStalled.add(rs.getLong(1) + " billing session(s) idle in a transaction");
                        }
                    }
                }
                Thread.sleep(100);
            }
        }
        JsonNode run = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> JSON.readTree(send("GET", "/api/v1/billing/runs/" + runId, FINANCE, null)
                                .body()),
                        r -> r.get("pending").asInt() == 0);
        assertThat(run.get("failures").toString())
                .contains(STALLED)
                .contains("no answer from metering or pricing")
                .doesNotContain(OK);
        assertThat(JSON.readTree(send("GET", "/api/v1/billing/invoices?tenant_id=" + OK, FINANCE, null)
                                .body())
                        .get("items"))
                .hasSize(1);
        assertThat(heldWhileStalled)
                .as("no lock and no open transaction while metering stalls")
                .isEmpty();
    }

    private static void respond(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        try {
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (IOException gone) {
            // the caller gave up (the call timeout)
        } finally {
            exchange.close();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void publish(TenantProfileChanged profile) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(TenantProfileChanged.TOPIC, profile.tenantId(), profile.toJson()));
        }
    }

    private HttpResponse<String> send(String method, String path, Caller caller, String body) throws Exception {
        return LocalServer.of(environment).signed(method, path, caller, body);
    }
}
