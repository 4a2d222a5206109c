package io.tokenmeter.billing;

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
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Billing profiles learned from tenants.v1, issuers and tax rules as data, and who may do what. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class BillingSetupTest {

    static final Caller ADMIN = new Caller("key-admin", Role.ADMIN, null);
    static final Caller FINANCE = new Caller("key-finance", Role.FINANCE, null);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    Environment environment;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aTenantsProfileArrivesFromTenantsV1AndAnOlderMessageNeverReplacesANewerOne() throws Exception {
        String tenant = "ten_" + UUID.randomUUID();
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        publish(new TenantProfileChanged(
                tenant, "Acme", "Acme Robotics GmbH", "DE", "DE123456789", "EUR", "SG", "ACTIVE", t0.plusSeconds(60)));
        publish(new TenantProfileChanged(
                tenant, "Acme", "Acme (old name)", "DE", null, "USD", null, "ACTIVE", t0)); // a late replay
        publish(new TenantProfileChanged(
                tenant + "-marker",
                "M",
                "M",
                "SG",
                null,
                "SGD",
                null,
                "ACTIVE",
                t0)); // same partition or not: wait for it too

        Caller own = new Caller("key-t", Role.TENANT, tenant);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> send("GET", "/api/v1/billing/profiles/" + tenant + "-marker", FINANCE, null)
                                        .statusCode()
                                == 200
                        && send("GET", "/api/v1/billing/profiles/" + tenant, own, null)
                                        .statusCode()
                                == 200);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode profile = JSON.readTree(
                    send("GET", "/api/v1/billing/profiles/" + tenant, own, null).body());
            assertThat(profile.get("legal_name").asString()).isEqualTo("Acme Robotics GmbH");
            assertThat(profile.get("tax_id").asString()).isEqualTo("DE123456789");
            assertThat(profile.get("currency").asString()).isEqualTo("EUR");
            assertThat(profile.get("issuer_id").asString()).isEqualTo("SG");
        });
        Caller other = new Caller("key-o", Role.TENANT, "ten_other");
        assertProblem(send("GET", "/api/v1/billing/profiles/" + tenant, other, null), 403, "forbidden");
        assertProblem(send("GET", "/api/v1/billing/profiles/ten_nobody", FINANCE, null), 404, "not-found");
    }

    /** Spring's default gave up after ten quick tries and skipped the profile; it is retried until it is stored now. */
    @Test
    void aProfileThatCannotBeStoredIsRetriedUntilItIsNotSkipped() throws Exception {
        String tenant = "ten_" + UUID.randomUUID();
        SharedInfrastructure.asOwner(
                "billing_service",
                "ALTER TABLE billing_profile RENAME TO billing_profile_away"); // the store fails as if the database
        // were gone
        try {
            publish(new TenantProfileChanged(
                    tenant, "Late", "Late Ltd", "SG", null, "SGD", null, "ACTIVE", Instant.now()));
            Thread.sleep(4000); // many more than ten tries' worth of the old handler
        } finally {
            SharedInfrastructure.asOwner(
                    "billing_service", "ALTER TABLE billing_profile_away RENAME TO billing_profile");
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> send("GET", "/api/v1/billing/profiles/" + tenant, FINANCE, null)
                                .statusCode()
                        == 200);
    }

    @Test
    void theMostSpecificTaxRuleAppliesAndASaleWithoutOneIsAnError() throws Exception {
        String country = "SG";
        jdbc.update("DELETE FROM tax_rule WHERE issuer_country = ?", country); // a database kept from an earlier run
        assertThat(rule(country, country, "any", "GST", "9", null).statusCode()).isEqualTo(201);
        assertThat(rule(country, "*", "any", "Export of services", "0", "Zero-rated: export of services")
                        .statusCode())
                .isEqualTo(201);
        assertThat(rule(
                                country,
                                "EU",
                                "business",
                                "Reverse charge",
                                "0",
                                "Reverse charge: the recipient accounts for VAT")
                        .statusCode())
                .isEqualTo(201);

        assertThat(applicable(country, country, false).get("name").asString()).isEqualTo("GST");
        assertThat(applicable(country, country, false).get("rate_percent").decimalValue())
                .isEqualByComparingTo("9");
        assertThat(applicable(country, "US", true).get("name").asString()).isEqualTo("Export of services");
        assertThat(applicable(country, "DE", true).get("legal_note").asString()).contains("Reverse charge");
        // the treatment a trade statement reports, implied by the rule's data where the admin named none
        assertThat(applicable(country, country, false).get("treatment").asString())
                .isEqualTo("domestic");
        assertThat(applicable(country, "US", true).get("treatment").asString()).isEqualTo("zero_rated_export");
        assertThat(applicable(country, "DE", true).get("treatment").asString()).isEqualTo("reverse_charge");
        HttpResponse<String> stated = send(
                "POST",
                "/api/v1/billing/tax-rules",
                ADMIN,
                "{\"issuer_country\":\"SG\",\"buyer_country\":\"AU\",\"buyer_type\":\"consumer\",\"name\":\"AU GST\","
                        + "\"rate_percent\":10,\"treatment\":\"foreign_tax\"}");
        assertThat(stated.statusCode()).as(stated.body()).isEqualTo(201);
        assertThat(JSON.readTree(stated.body()).get("treatment").asString()).isEqualTo("foreign_tax");
        HttpResponse<String> unknown = send(
                "POST",
                "/api/v1/billing/tax-rules",
                ADMIN,
                "{\"issuer_country\":\"SG\",\"buyer_country\":\"NZ\",\"buyer_type\":\"any\",\"name\":\"x\","
                        + "\"rate_percent\":0,\"treatment\":\"duty_free\"}");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
        assertThat(unknown.body()).contains("/treatment").contains("zero_rated_export");
        assertThat(applicable(country, "DE", false).get("name").asString())
                .as("an EU consumer is not reverse-charged")
                .isEqualTo("Export of services");

        assertProblem(
                send(
                        "GET",
                        "/api/v1/billing/tax-rules/applicable?issuer_country=AQ&buyer_country=DE&business=true",
                        FINANCE,
                        null),
                422,
                "no-tax-rule");
        assertProblem(rule(country, "*", "any", "again", "1", null), 409, "conflict");
        assertProblem(rule(country, "XX", "any", "bad", "1", null), 400, "invalid-request");
        assertProblem(rule(country, "FR", "any", "too much", "101", null), 400, null);
    }

    @Test
    void onlyAdminsConfigureAndTenantsReadNeitherRulesNorIssuers() throws Exception {
        Caller tenant = new Caller("key-t", Role.TENANT, "ten_a");
        String rule =
                "{\"issuer_country\":\"SG\",\"buyer_country\":\"JP\",\"buyer_type\":\"any\",\"name\":\"x\",\"rate_percent\":0}";
        assertProblem(send("POST", "/api/v1/billing/tax-rules", FINANCE, rule), 403, "forbidden");
        assertProblem(send("POST", "/api/v1/billing/tax-rules", tenant, rule), 403, "forbidden");
        assertProblem(send("GET", "/api/v1/billing/tax-rules", tenant, null), 403, "forbidden");
        assertProblem(send("GET", "/api/v1/billing/issuers", tenant, null), 403, "forbidden");
        String issuer = "{\"id\":\"T" + (System.nanoTime() % 100_000)
                + "\",\"legal_name\":\"TokenMeter Demo Pte. Ltd.\",\"country\":\"SG\",\"tax_id\":\"M90000000X\"}";
        assertProblem(send("POST", "/api/v1/billing/issuers", FINANCE, issuer), 403, "forbidden");
        assertThat(send("POST", "/api/v1/billing/issuers", ADMIN, issuer).statusCode())
                .isEqualTo(201);
        assertThat(send("GET", "/api/v1/billing/issuers", FINANCE, null).body()).contains("TokenMeter Demo Pte. Ltd.");
        assertProblem(send("POST", "/api/v1/billing/issuers", ADMIN, issuer), 409, "conflict");
        assertProblem(
                send(
                        "POST",
                        "/api/v1/billing/issuers",
                        ADMIN,
                        "{\"id\":\"sg lower\",\"legal_name\":\"x\",\"country\":\"SG\"}"),
                400,
                "invalid-request");
    }

    private HttpResponse<String> rule(String issuer, String buyer, String type, String name, String rate, String note)
            throws Exception {
        return send(
                "POST",
                "/api/v1/billing/tax-rules",
                ADMIN,
                JSON.writeValueAsString(Map.of(
                        "issuer_country",
                        issuer,
                        "buyer_country",
                        buyer,
                        "buyer_type",
                        type,
                        "name",
                        name,
                        "rate_percent",
                        rate,
                        "legal_note",
                        note == null ? "" : note)));
    }

    private JsonNode applicable(String issuer, String buyer, boolean business) throws Exception {
        HttpResponse<String> r = send(
                "GET",
                "/api/v1/billing/tax-rules/applicable?issuer_country=" + issuer + "&buyer_country=" + buyer
                        + "&business=" + business,
                FINANCE,
                null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static void publish(TenantProfileChanged profile) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.kafkaBootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            producer.send(new ProducerRecord<>(TenantProfileChanged.TOPIC, profile.tenantId(), profile.toJson()));
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type").orElse("")).startsWith("application/problem+json");
        if (code != null) {
            assertThat(JSON.readTree(response.body()).get("type").asString()).endsWith("/" + code);
        }
    }

    private HttpResponse<String> send(String method, String path, Caller caller, String body) throws Exception {
        return LocalServer.of(environment).signed(method, path, caller, body);
    }
}
