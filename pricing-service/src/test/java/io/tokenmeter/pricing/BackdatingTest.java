package io.tokenmeter.pricing;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.rating.InvoicedPeriodApi;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Migrating in: a version or contract may take effect in the past (a version with a reason, audited), and prices past
 * usage from then on, but never inside a period an issued invoice of a tenant it prices covers (the invoice named);
 * and an invoice whose draft was priced before its period's prices changed is refused (billing's side door, billing
 * only).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class BackdatingTest {

    static final Caller ADMIN = new Caller("key-admin", Role.ADMIN, null);
    static final Caller BILLING = new Caller(InvoicedPeriodApi.BILLING_CALLER, Role.FINANCE, null);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Instant OCT = Instant.parse("2026-10-01T00:00:00Z");
    private static final Instant OCT_15 = Instant.parse("2026-10-15T00:00:00Z");
    private static final Instant NOV = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant DEC = Instant.parse("2026-12-01T00:00:00Z");

    @Autowired
    Environment environment;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void aPastPriceReachesUsageNoInvoiceCoversAndNeverAnInvoicedPeriod() throws Exception {
        String tenant = "ten_" + UUID.randomUUID().toString().substring(0, 8);
        String book = JSON.readTree(send("POST", "/api/v1/pricing/books", ADMIN, """
                        {"name":"Migrated","currency":"EUR","purpose":"sell"}""", 201))
                .get("id")
                .asString();
        send("POST", "/api/v1/pricing/contracts", ADMIN, """
                {"tenant_id":"%s","price_book_id":"%s","valid_from":"2026-09-01T00:00:00Z",
                 "backdate_reason":"signed in August, entered in December"}""".formatted(tenant, book), 201);

        HttpResponse<String> noReason =
                signed("POST", "/api/v1/pricing/books/" + book + "/versions", ADMIN, version(OCT, null));
        assertThat(noReason.statusCode()).isEqualTo(400);
        assertThat(noReason.body()).contains("/effective_from").contains("backdate_reason");

        JsonNode october = JSON.readTree(send(
                "POST",
                "/api/v1/pricing/books/" + book + "/versions",
                ADMIN,
                version(OCT, "migrating in: October"),
                201));
        assertThat(october.get("in_effect").asBoolean()).isTrue();
        assertThat(october.get("backdate_reason").asString()).isEqualTo("migrating in: October");
        JsonNode quote =
                JSON.readTree(send("POST", "/api/v1/rating/quote", ADMIN, """
                {"tenant_id":"%s","period":{"from":"%s","to":"%s"},"lines":[
                 {"model":"glm-5","region":"cn-beijing","token_class":"output","buckets":[
                  {"from":"2026-10-10T00:00:00Z","to":"2026-10-10T00:30:00Z","tokens":2000000}]}]}""".formatted(tenant, OCT, NOV), 200));
        assertThat(quote.get("lines").get(0).get("amount").decimalValue())
                .as("October's usage priced by the version added in December")
                .isEqualByComparingTo("3.00");
        assertThat(jdbc.queryForObject(
                        "SELECT after->>'backdate_reason' FROM admin_audit WHERE action = 'create_backdated'"
                                + " AND entity_id = ?",
                        String.class,
                        book + "/1"))
                .isEqualTo("migrating in: October");

        // billing issues October's invoice
        assertThat(signed("POST", InvoicedPeriodApi.PATH, ADMIN, invoiced("INV-X-1", tenant, OCT, NOV, Instant.now()))
                        .statusCode())
                .as("billing's own business")
                .isEqualTo(403);
        send("POST", InvoicedPeriodApi.PATH, BILLING, invoiced("INV-X-1", tenant, OCT, NOV, Instant.now()), 204);

        HttpResponse<String> overInvoice = signed(
                "POST", "/api/v1/pricing/books/" + book + "/versions", ADMIN, version(OCT_15, "a late correction"));
        assertThat(overInvoice.statusCode()).isEqualTo(409);
        assertThat(overInvoice.body())
                .contains("invoiced-period")
                .contains("INV-X-1")
                .contains(NOV.toString());
        HttpResponse<String> contract = signed("POST", "/api/v1/pricing/contracts", ADMIN, """
                {"tenant_id":"%s","discount_percent":10,"valid_from":"2026-10-20T00:00:00Z"}""".formatted(tenant));
        assertThat(contract.statusCode()).isEqualTo(409);
        assertThat(contract.body()).contains("INV-X-1");

        Instant novemberDrafted = Instant.now();
        Thread.sleep(5); // the version below is added strictly after the draft
        send("POST", "/api/v1/pricing/books/" + book + "/versions", ADMIN, version(NOV, "from the invoice's end"), 201);
        HttpResponse<String> stale =
                signed("POST", InvoicedPeriodApi.PATH, BILLING, invoiced("INV-X-2", tenant, NOV, DEC, novemberDrafted));
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(stale.body()).contains("prices-changed").contains("version 2 of price book " + book);
        send("POST", InvoicedPeriodApi.PATH, BILLING, invoiced("INV-X-2", tenant, NOV, DEC, Instant.now()), 204);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM invoiced_period WHERE tenant_id = ?", Long.class, tenant))
                .isEqualTo(2);

        // a tenant no invoice covers may still be back-dated, even on the same days
        String other = "ten_" + UUID.randomUUID().toString().substring(0, 8);
        send("POST", "/api/v1/pricing/contracts", ADMIN, """
                {"tenant_id":"%s","discount_percent":10,"valid_from":"2026-10-20T00:00:00Z"}""".formatted(other), 201);
    }

    private static String version(Instant from, String reason) {
        return """
                {"effective_from":"%s",%s"rates":[
                 {"model":"glm-5","region":"cn-beijing","token_class":"output","rate_per_million":1.50}]}""".formatted(from, reason == null ? "" : "\"backdate_reason\":\"" + reason + "\",");
    }

    private static String invoiced(String number, String tenant, Instant from, Instant to, Instant drafted) {
        return """
                {"invoice_number":"%s","tenant_id":"%s","period_start":"%s","period_end":"%s","drafted_at":"%s"}""".formatted(number, tenant, from, to, drafted);
    }

    private String send(String method, String path, Caller caller, String body, int expected) throws Exception {
        HttpResponse<String> response = signed(method, path, caller, body);
        assertThat(response.statusCode())
                .as(method + " " + path + ": " + response.body())
                .isEqualTo(expected);
        return response.body();
    }

    private HttpResponse<String> signed(String method, String path, Caller caller, String body) throws Exception {
        return LocalServer.of(environment).signed(method, path, caller, body, "application/json");
    }
}
