package io.tokenmeter.pricing;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class PricingApiTest {

    static final Caller ADMIN = new Caller("key-admin", Role.ADMIN, null);
    static final Caller FINANCE = new Caller("key-finance", Role.FINANCE, null);
    static final Caller TENANT = new Caller("key-t", Role.TENANT, "tenant-a");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    Environment environment;

    @Autowired
    JdbcTemplate jdbc;

    static final String RATES = """
            [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","rate_per_million":0.27},
             {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","rate_per_million":"1.10"},
             {"model":"glm-5","region":"cn-beijing","token_class":"input","mode":"graduated",
              "tiers":[{"from_tokens":0,"rate_per_million":1.00},{"from_tokens":100000000,"rate_per_million":0.80}]}]""";

    String book(String currency) throws Exception {
        HttpResponse<String> r = send(
                "POST",
                "/api/v1/pricing/books",
                ADMIN,
                "{\"name\":\"List prices\",\"currency\":\"" + currency + "\",\"purpose\":\"sell\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return JSON.readTree(r.body()).get("id").asString();
    }

    static String version(Instant effectiveFrom, String rates) {
        return "{\"effective_from\":\"" + effectiveFrom
                + "\",\"off_peak\":{\"start\":\"16:30\",\"end\":\"00:30\",\"discount_percent\":50},\"rates\":" + rates
                + "}";
    }

    @Test
    void anAdminCreatesABookAndAVersionAndEveryChangeIsAudited() throws Exception {
        String id = book("USD");
        Instant from = Instant.now().plus(1, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        HttpResponse<String> created =
                send("POST", "/api/v1/pricing/books/" + id + "/versions", ADMIN, version(from, RATES));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode v = JSON.readTree(created.body());
        assertThat(v.get("version").asInt()).isEqualTo(1);
        assertThat(v.get("in_effect").asBoolean()).isFalse();
        assertThat(v.get("rates").get(1).get("rate_per_million").decimalValue()).isEqualByComparingTo("1.10");
        assertThat(v.get("off_peak").get("start").asString()).isEqualTo("16:30:00");

        HttpResponse<String> edited = send(
                "PUT",
                "/api/v1/pricing/books/" + id + "/versions/1",
                ADMIN,
                version(from, RATES.replace("0.27", "0.28")));
        assertThat(edited.statusCode()).as(edited.body()).isEqualTo(200);

        JsonNode audit = JSON.readTree(
                send("GET", "/api/v1/pricing/audit?entity=price_book_version&entity_id=" + id + "/1", ADMIN, null)
                        .body());
        assertThat(audit).hasSize(2);
        assertThat(audit.get(0).get("action").asString()).isEqualTo("update");
        assertThat(audit.get(0).get("actor").asString()).isEqualTo("key-admin");
        assertThat(audit.get(0)
                        .get("before")
                        .get("rates")
                        .get(0)
                        .get("rate_per_million")
                        .decimalValue())
                .isEqualByComparingTo("0.27");
        assertThat(audit.get(0)
                        .get("after")
                        .get("rates")
                        .get(0)
                        .get("rate_per_million")
                        .decimalValue())
                .isEqualByComparingTo("0.28");

        assertThat(send("DELETE", "/api/v1/pricing/books/" + id + "/versions/1", ADMIN, null)
                        .statusCode())
                .isEqualTo(204);
        assertThat(JSON.readTree(send("GET", "/api/v1/pricing/books/" + id + "/versions", FINANCE, null)
                        .body()))
                .isEmpty();
    }

    @Test
    void everyValidationErrorIsAProblemAndNothingIsHalfSaved() throws Exception {
        assertProblem(
                send(
                        "POST",
                        "/api/v1/pricing/books",
                        ADMIN,
                        "{\"name\":\"x\",\"currency\":\"XYZ\",\"purpose\":\"sell\"}"),
                400,
                "unknown-currency",
                "XYZ");
        String id = book("EUR");
        String path = "/api/v1/pricing/books/" + id + "/versions";
        Instant future = Instant.now().plus(1, ChronoUnit.DAYS);
        assertProblem(
                send("POST", path, ADMIN, version(future, RATES.replace("0.27", "-0.27"))),
                400,
                "invalid-price-book",
                "negative");
        assertProblem(
                send("POST", path, ADMIN, version(future, RATES.replace("0.27", "\"abc\""))),
                400,
                "invalid-request",
                "abc");
        assertProblem(
                send(
                        "POST",
                        path,
                        ADMIN,
                        version(future, RATES.replace("\"from_tokens\":100000000", "\"from_tokens\":0"))),
                400,
                "invalid-price-book",
                "must not overlap");
        assertProblem(
                send("POST", path, ADMIN, version(future, RATES.replace("\"from_tokens\":0,", "\"from_tokens\":5,"))),
                400,
                "invalid-price-book",
                "first tier must start at 0");
        assertProblem(
                send(
                        "POST",
                        path,
                        ADMIN,
                        version(
                                future,
                                RATES.replace(
                                        "{\"from_tokens\":100000000,\"rate_per_million\":0.80}",
                                        "{\"from_tokens\":100000000,\"rate_per_million\":0.80},{\"from_tokens\":50000000,\"rate_per_million\":0.70}"))),
                400,
                "invalid-price-book",
                "tiers must be ordered");
        assertProblem(
                send("POST", path, ADMIN, version(Instant.now().minusSeconds(60), RATES)),
                400,
                "invalid-price-book",
                "not in the future");
        assertProblem(
                send(
                        "POST",
                        path,
                        ADMIN,
                        version(future, RATES.replace("\"token_class\":\"output\"", "\"token_class\":\"input\""))),
                400,
                "invalid-price-book",
                "listed twice");
        HttpResponse<String> several =
                send("POST", path, ADMIN, version(Instant.now().minusSeconds(60), RATES.replace("0.27", "-1")));
        // each error names its field by JSON pointer and the rule it breaks, so a form can show it beside the field
        assertThat(JSON.readTree(several.body()).get("errors")).hasSize(2);
        assertThat(JSON.readTree(several.body()).get("errors").findValuesAsString("pointer"))
                .containsExactly("/effective_from", "/rates/0/rate_per_million");
        assertThat(JSON.readTree(several.body()).get("errors").findValuesAsString("rule"))
                .containsExactly("future", "range");
        JsonNode notANumber = JSON.readTree(send("POST", path, ADMIN, version(future, RATES.replace("0.27", "\"abc\"")))
                        .body())
                .get("errors")
                .get(0);
        assertThat(notANumber.get("pointer").asString()).isEqualTo("/rates/0/rate_per_million");
        assertThat(notANumber.get("detail").asString()).contains("abc");

        assertThat(JSON.readTree(send("GET", path, ADMIN, null).body()))
                .as("nothing half-saved")
                .isEmpty();
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM price_book_version WHERE price_book_id = ?", Integer.class, id))
                .isZero();
    }

    @Test
    void onlyAdminsChangePricesAndTenantsDoNotReadBooks() throws Exception {
        String id = book("USD");
        assertProblem(
                send(
                        "POST",
                        "/api/v1/pricing/books",
                        TENANT,
                        "{\"name\":\"x\",\"currency\":\"USD\",\"purpose\":\"sell\"}"),
                403,
                "forbidden",
                "admin");
        assertProblem(
                send(
                        "POST",
                        "/api/v1/pricing/books/" + id + "/versions",
                        FINANCE,
                        version(Instant.now().plusSeconds(600), RATES)),
                403,
                "forbidden",
                "admin");
        assertProblem(send("GET", "/api/v1/pricing/books", TENANT, null), 403, "forbidden", "rating API");
        assertThat(send("GET", "/api/v1/pricing/books", FINANCE, null).statusCode())
                .isEqualTo(200);
        assertProblem(send("GET", "/api/v1/pricing/audit", FINANCE, null), 403, "forbidden", "admin");
        assertProblem(
                send("POST", "/api/v1/fx/ecb", TENANT, "Date,USD,\n2026-02-27,1.08,\n", "text/csv"),
                403,
                "forbidden",
                "admin");
    }

    @Test
    void aVersionThatHasTakenEffectCannotChangeNotEvenInTheDatabase() throws Exception {
        String id = book("USD");
        Instant soon = Instant.now().plusMillis(1500);
        assertThat(send("POST", "/api/v1/pricing/books/" + id + "/versions", ADMIN, version(soon, RATES))
                        .statusCode())
                .isEqualTo(201);
        Thread.sleep(Math.max(0, soon.toEpochMilli() - System.currentTimeMillis() + 200));

        assertProblem(
                send(
                        "PUT",
                        "/api/v1/pricing/books/" + id + "/versions/1",
                        ADMIN,
                        version(Instant.now().plusSeconds(600), RATES)),
                409,
                "version-in-effect",
                "never rewritten");
        assertProblem(
                send("DELETE", "/api/v1/pricing/books/" + id + "/versions/1", ADMIN, null),
                409,
                "version-in-effect",
                "took effect");
        assertThatThrownBy(
                        () -> jdbc.update("UPDATE price_book_version SET content = '{}' WHERE price_book_id = ?", id))
                .hasMessageContaining("cannot be changed");
        assertThatThrownBy(() -> jdbc.update("DELETE FROM price_book_version WHERE price_book_id = ?", id))
                .hasMessageContaining("cannot be changed");
        assertThat(JSON.readTree(send("GET", "/api/v1/pricing/books/" + id + "/versions/1", ADMIN, null)
                                .body())
                        .get("in_effect")
                        .asBoolean())
                .isTrue();
    }

    @Test
    void ecbRatesAreImportedOnceAndConvertThroughTheEuro() throws Exception {
        String csv =
                "Date,USD,JPY,CNY,SGD,CYP,\n2026-02-27,1.0812,162.20,7.8000,1.4521,N/A,\n2026-02-26,1.0799,161.90,7.7900,N/A,N/A,\n";
        HttpResponse<String> first = send("POST", "/api/v1/fx/ecb", ADMIN, csv, "text/csv");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        HttpResponse<String> again = send("POST", "/api/v1/fx/ecb", ADMIN, csv, "text/csv");
        assertThat(JSON.readTree(again.body()).get("imported").asInt()).isZero();
        assertThat(JSON.readTree(again.body()).get("already_present").asInt()).isEqualTo(7);

        JsonNode conversion = JSON.readTree(
                send("GET", "/api/v1/fx/convert?from=CNY&to=JPY&date=2026-02-28&amount=1000", TENANT, null)
                        .body());
        assertThat(conversion.get("converted").decimalValue()).isEqualByComparingTo("20795");
        assertThat(conversion.get("rates_used")).hasSize(2);
        assertThat(conversion.get("rates_used").get(0).get("as_of").asString()).isEqualTo("2026-02-27");

        assertProblem(
                send("GET", "/api/v1/fx/convert?from=USD&to=BRL&date=2026-02-28&amount=1", TENANT, null),
                422,
                "fx-rate-missing",
                "USD/BRL");
        assertProblem(
                send("POST", "/api/v1/fx/ecb", ADMIN, "Date,USD,\n2026-02-27,abc,\n", "text/csv"),
                400,
                "invalid-fx-rates",
                "'abc'");
    }

    private void assertProblem(HttpResponse<String> response, int status, String type, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("type").asString()).isEqualTo("https://tokenmeter.io/problems/" + type);
        assertThat(problem.get("detail").asString()).contains(detail);
    }

    private HttpResponse<String> send(String method, String path, Caller caller, String body) throws Exception {
        return send(method, path, caller, body, "application/json");
    }

    private HttpResponse<String> send(String method, String path, Caller caller, String body, String contentType)
            throws Exception {
        return LocalServer.of(environment).signed(method, path, caller, body, contentType);
    }
}
