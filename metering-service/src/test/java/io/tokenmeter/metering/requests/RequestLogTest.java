package io.tokenmeter.metering.requests;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UpstreamAttempt;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.metering.ingest.UsageEventRepository;
import io.tokenmeter.metering.ingest.UsageEventRepository.Source;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.SignedCalls;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.StringReader;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The request log through metering's HTTP API, on the real database (same context as the integration test). */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tokenmeter.metering.billing.settle=1s", "tokenmeter.metering.lag-every=500ms"})
@RealInfrastructure
class RequestLogTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant T = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);

    @Autowired
    UsageEventRepository events;

    @Autowired
    Environment environment;

    @Test
    void aTenantPagesThroughItsOwnCallsNewestFirstFilteredAndAsCsv() throws Exception {
        String a = "t-log-" + UUID.randomUUID();
        String b = "t-log-" + UUID.randomUUID();
        List<UsageEvent> calls = List.of(
                event(a, "key-1", "glm-5", UsageStatus.SUCCEEDED, T.plusSeconds(10)),
                event(a, "key-2", "kimi-k2", UsageStatus.FAILED, T.plusSeconds(20)),
                event(a, "key-1", "glm-5", UsageStatus.SUCCEEDED, T.plusSeconds(30)), // two at the same instant:
                event(a, "key-1", "kimi-k2", UsageStatus.CANCELLED, T.plusSeconds(30)), // the event id orders them
                event(a, "key-2", "glm-5", UsageStatus.SUCCEEDED, T.plusSeconds(40)),
                event(b, "key-9", "glm-5", UsageStatus.SUCCEEDED, T.plusSeconds(25)));
        events.store(calls, Source.INGEST_API);
        String range = "from=" + T + "&to=" + T.plus(1, ChronoUnit.HOURS);

        // newest first, two a page, every call exactly once
        List<String> seen = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            JsonNode page = json(get(
                    "/api/v1/requests?limit=2&" + range + (next == null ? "" : "&after=" + encode(next)), tenant(a)));
            for (JsonNode row : page.get("data")) {
                seen.add(row.get("event_id").asString());
                assertThat(row.get("tenant_id")).isNull(); // the page names the tenant once, not per row
            }
            next = page.hasNonNull("next") ? page.get("next").asString() : null;
            pages++;
        } while (next != null && pages < 10);
        List<String> newestFirst = calls.subList(0, 5).stream()
                .sorted((x, y) -> x.occurredAt().equals(y.occurredAt())
                        ? y.eventId().compareTo(x.eventId())
                        : y.occurredAt().compareTo(x.occurredAt()))
                .map(e -> e.eventId().toString())
                .toList();
        assertThat(seen).isEqualTo(newestFirst);

        JsonNode first = json(get("/api/v1/requests?limit=1&" + range, tenant(a)))
                .get("data")
                .get(0);
        assertThat(first.get("model").asString()).isEqualTo("glm-5");
        assertThat(first.get("api_key_id").asString()).isEqualTo("key-2");
        assertThat(first.get("region").asString()).isEqualTo("cn-beijing");
        assertThat(first.get("status").asString()).isEqualTo("succeeded");
        assertThat(first.get("input_tokens").asLong()).isEqualTo(100);
        assertThat(first.get("output_tokens").asLong()).isEqualTo(7);
        assertThat(first.get("latency_ms").asLong()).isEqualTo(250);

        assertThat(json(get("/api/v1/requests?key=key-1&" + range, tenant(a))).get("data"))
                .hasSize(3);
        assertThat(json(get("/api/v1/requests?model=kimi-k2&status=failed,cancelled&" + range, tenant(a)))
                        .get("data"))
                .hasSize(2);
        assertThat(json(get("/api/v1/requests?status=failed&key=key-1&" + range, tenant(a)))
                        .get("data"))
                .isEmpty();

        // another tenant's calls: refused to a tenant key, given to finance
        HttpResponse<String> other = get("/api/v1/requests?tenant_id=" + b + "&" + range, tenant(a));
        assertThat(other.statusCode()).isEqualTo(403);
        JsonNode own = json(get("/api/v1/requests?" + range, tenant(b)));
        assertThat(own.get("data")).hasSize(1);
        assertThat(own.get("data").get(0).get("api_key_id").asString()).isEqualTo("key-9");
        assertThat(json(get("/api/v1/requests?tenant_id=" + a + "&" + range, new Caller("fin", Role.FINANCE, null)))
                        .get("data"))
                .hasSize(5);

        HttpResponse<String> csv = get("/api/v1/requests?format=csv&" + range, tenant(a));
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        assertThat(csv.headers().firstValue("content-type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        List<CSVRecord> records = CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .get()
                .parse(new StringReader(csv.body()))
                .getRecords();
        assertThat(records).extracting(r -> r.get("event_id")).isEqualTo(newestFirst);
        assertThat(records.getFirst().get("occurred_at"))
                .isEqualTo(T.plusSeconds(40).toString());
    }

    @Test
    void whatTheGatewaySaidOfACallBeyondItsTokensShowsInTheLog() throws Exception {
        String tenant = "t-log-" + UUID.randomUUID();
        UsageEvent plain = event(tenant, "key-1", "glm-5", UsageStatus.SUCCEEDED, T.plusSeconds(1));
        UsageEvent fellBack = new UsageEvent(
                1,
                EventIds.newEventId(),
                tenant,
                "key-1",
                "deepseek-v3.2",
                "deepseek",
                "cn-hangzhou",
                10,
                0,
                0,
                20,
                0,
                false,
                "req-x",
                UsageStatus.SUCCEEDED,
                900,
                T.plusSeconds(2),
                List.of(),
                true,
                240L,
                List.of(
                        new UpstreamAttempt("deepseek", "cn-shanghai", "timeout"),
                        new UpstreamAttempt("deepseek", "sg", "5xx")),
                new java.math.BigDecimal("0.0000412"),
                "EUR");
        events.store(List.of(plain, fellBack), Source.KAFKA);
        String range = "from=" + T + "&to=" + T.plus(1, ChronoUnit.HOURS);

        HttpResponse<String> page = get("/api/v1/requests?" + range, tenant(tenant));
        assertThat(page.body()).contains("\"cost\":0.0000412").doesNotContain("E-5"); // plain decimals
        JsonNode rows = json(page).get("data");
        assertThat(rows).hasSize(2);
        JsonNode newest = rows.get(0);
        assertThat(newest.get("streamed").asBoolean()).isTrue();
        assertThat(newest.get("first_token_ms").asLong()).isEqualTo(240);
        assertThat(newest.get("latency_ms").asLong()).isEqualTo(900);
        assertThat(newest.get("attempts")).hasSize(2);
        assertThat(newest.get("attempts").get(0).get("region").asString()).isEqualTo("cn-shanghai");
        assertThat(newest.get("attempts").get(0).get("error").asString()).isEqualTo("timeout");
        assertThat(newest.get("attempts").get(1).get("error").asString()).isEqualTo("5xx");
        assertThat(newest.get("cost").decimalValue()).isEqualByComparingTo("0.0000412");
        assertThat(newest.get("cost_currency").asString()).isEqualTo("EUR");
        JsonNode older = rows.get(1);
        assertThat(older.hasNonNull("cost"))
                .as("not priced: no cost, never zero")
                .isFalse();
        assertThat(older.hasNonNull("streamed")).as("not said: not shown").isFalse();
        assertThat(older.get("attempts")).isEmpty();

        List<CSVRecord> csv = CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .get()
                .parse(new StringReader(get("/api/v1/requests?format=csv&" + range, tenant(tenant))
                        .body()))
                .getRecords();
        assertThat(csv.getFirst().get("streamed")).isEqualTo("true");
        assertThat(csv.getFirst().get("first_token_ms")).isEqualTo("240");
        assertThat(csv.getFirst().get("attempts")).contains("\"region\":\"sg\"").contains("\"error\":\"5xx\"");
        assertThat(csv.get(1).get("attempts")).isEmpty();
        assertThat(csv.getFirst().get("cost")).isEqualTo("0.0000412");
        assertThat(csv.getFirst().get("cost_currency")).isEqualTo("EUR");
        assertThat(csv.get(1).get("cost")).isEmpty();
    }

    @Test
    void badQueriesAreRefusedNamingTheParameter() throws Exception {
        Caller tenant = tenant("t-log-x");
        assertProblem(get("/api/v1/requests?status=lost", tenant), "status");
        assertProblem(get("/api/v1/requests?limit=0", tenant), "limit");
        assertProblem(get("/api/v1/requests?after=yesterday", tenant), "after");
        assertProblem(get("/api/v1/requests?format=xml", tenant), "format");
        assertProblem(get("/api/v1/requests?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", tenant), "to");
        assertProblem(get("/api/v1/requests?from=last-week", tenant), "from");
        assertThat(get("/api/v1/requests", new Caller("adm", Role.ADMIN, null)).statusCode())
                .as("staff must name the tenant")
                .isEqualTo(400);
    }

    private void assertProblem(HttpResponse<String> response, String parameter) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("\"" + parameter + "\"");
    }

    private HttpResponse<String> get(String path, Caller caller) throws Exception {
        return HTTP.send(
                SignedCalls.request(
                        "http://localhost:" + environment.getProperty("local.server.port"), "GET", path, caller, null),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static Caller tenant(String tenant) {
        return new Caller("key-of-" + tenant, Role.TENANT, tenant);
    }

    private static UsageEvent event(String tenant, String key, String model, UsageStatus status, Instant at) {
        return new UsageEvent(
                1,
                EventIds.newEventId(),
                tenant,
                key,
                model,
                "zhipu",
                "cn-beijing",
                100,
                0,
                0,
                7,
                0,
                false,
                "req-" + UUID.randomUUID(),
                status,
                250,
                at);
    }
}
