package io.tokenmeter.gateway;

import io.tokenmeter.contracts.tenants.TenantProfileChanged;
import io.tokenmeter.contracts.usage.UpstreamAttempt;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.simulator.SimulatedUsage;
import io.tokenmeter.simulator.UpstreamSimulator;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.profiles.active=routingtest")
@RealInfrastructure
class GatewayIntegrationTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static UpstreamSimulator simulator;

    @Autowired
    Environment environment;

    @Autowired
    JdbcTemplate jdbc;

    String tenantId;
    String tenantKey;

    /** What a stand-in console was handed by the gateway: each request's client-address stamp. */
    private static final List<String> consoleStamps = new java.util.concurrent.CopyOnWriteArrayList<>();

    private static com.sun.net.httpserver.HttpServer console;

    @Autowired
    io.tokenmeter.gateway.auth.ClientAddresses clientAddresses;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) throws Exception {
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
        console = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        console.createContext("/console", exchange -> {
            consoleStamps.add(String.valueOf(
                    exchange.getRequestHeaders().getFirst(io.tokenmeter.gateway.auth.ClientAddresses.HEADER)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        console.start();
        registry.add(
                "tokenmeter.gateway.services.console",
                () -> "http://127.0.0.1:" + console.getAddress().getPort());
    }

    @AfterAll
    static void stopSimulator() {
        simulator.close();
        console.stop(0);
    }

    @BeforeEach
    void tenantWithKey() throws Exception {
        HttpResponse<String> tenant = post(
                "/api/v1/admin/tenants",
                ADMIN_KEY,
                "{\"name\":\"Acme\",\"billing_country\":\"DE\",\"currency\":\"EUR\"}");
        assertThat(tenant.statusCode()).as(tenant.body()).isEqualTo(201);
        tenantId = JSON.readTree(tenant.body()).get("id").asString();
        HttpResponse<String> key =
                post("/api/v1/admin/tenants/" + tenantId + "/api-keys", ADMIN_KEY, "{\"name\":\"ci\"}");
        assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
        tenantKey = JSON.readTree(key.body()).get("key").asString();
    }

    /** The audit log is append-only, like issued invoices, and the application's role cannot lift that. */
    @Test
    void theAuditLogIsAppendOnlyEvenForTheApplicationsOwnConnection() throws Exception {
        assertThat(jdbc.queryForObject("SELECT count(*) FROM admin_audit", Long.class))
                .isPositive();
        for (String sql : List.of(
                "UPDATE admin_audit SET actor = 'someone else'", "DELETE FROM admin_audit", "TRUNCATE admin_audit")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.execute(sql))
                    .as(sql)
                    .satisfies(e -> assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e)
                                    .getMessage())
                            .containsAnyOf("append-only", "permission denied"));
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> jdbc.execute("ALTER TABLE admin_audit DISABLE TRIGGER admin_audit_no_change"))
                .satisfies(e -> assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e)
                                .getMessage())
                        .contains("must be owner"));
    }

    @Test
    void aChatCompletionIsForwardedAndEmitsExactlyItsUsage() throws Exception {
        String prompt = "Summarise the quarterly token usage of our agents please";
        HttpResponse<String> response = post("/v1/chat/completions", tenantKey, """
                {"model":"deepseek-v3.2","max_tokens":42,"temperature":0.2,
                 "messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"%s"}],
                 "simulate":{"cached_tokens":3}}""".formatted(prompt));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        int expectedPrompt = 2 * SimulatedUsage.PER_MESSAGE + 3 + SimulatedUsage.words(prompt);
        assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(expectedPrompt);
        assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(42);
        assertThat(body.get("model").asString())
                .as("upstream got the provider's model name")
                .isEqualTo("deepseek-chat");
        assertThat(body.get("usage").get("prompt_cache_hit_tokens").asInt())
                .as("DeepSeek's own usage shape")
                .isEqualTo(3);
        assertThat(body.get("usage").has("prompt_tokens_details")).isFalse();
        assertThat(response.headers().firstValue("x-request-id")).isPresent();

        UUID eventId = UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow());
        UsageEvent event = awaitEvent(eventId);
        assertThat(event.tenantId()).isEqualTo(tenantId);
        assertThat(event.model()).isEqualTo("deepseek-v3.2");
        assertThat(event.provider()).isEqualTo("deepseek");
        assertThat(event.region()).isEqualTo("cn-hangzhou");
        assertThat(event.inputTokens()).isEqualTo(expectedPrompt - 3);
        assertThat(event.cachedInputTokens()).isEqualTo(3);
        assertThat(event.outputTokens()).isEqualTo(42);
        assertThat(event.status()).isEqualTo(UsageStatus.SUCCEEDED);
        assertThat(event.requestId())
                .isEqualTo(response.headers().firstValue("x-request-id").orElseThrow());
        assertThat(event.eventId().version()).isEqualTo(7);
        assertThat(event.occurredAt()).isBefore(Instant.now().plusSeconds(1));
    }

    private HttpResponse<java.io.InputStream> stream(String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + environment.getProperty("local.server.port")
                                + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + tenantKey)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    private static List<String> dataLines(java.io.InputStream in, int limit) throws Exception {
        List<String> data = new java.util.ArrayList<>();
        var reader =
                new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8));
        String line;
        while (data.size() < limit && (line = reader.readLine()) != null) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        return data;
    }

    @Test
    void aStreamIsRelayedEventByEventAndMeteredWithTheReportedUsage() throws Exception {
        HttpResponse<java.io.InputStream> response = stream("""
                {"model":"glm-5","stream":true,"stream_options":{"include_usage":true},"max_tokens":12,
                 "messages":[{"role":"user","content":"stream me twelve tokens"}]}""");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type").orElseThrow()).startsWith("text/event-stream");
        UUID eventId = UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow());
        List<String> data = dataLines(response.body(), 1000);
        assertThat(data.getLast()).isEqualTo("[DONE]");
        JsonNode usageChunk = JSON.readTree(data.get(data.size() - 2));
        assertThat(usageChunk.get("usage").get("completion_tokens").asInt()).isEqualTo(12);
        assertThat(data).hasSize(12 + 1 + 1 + 1); // content chunks, the finish chunk, the usage chunk, [DONE]

        UsageEvent event = awaitEvent(eventId);
        assertThat(event.outputTokens()).isEqualTo(12);
        assertThat(event.inputTokens()).isEqualTo(SimulatedUsage.PER_MESSAGE + 4);
        assertThat(event.estimated()).isFalse();
        assertThat(event.status()).isEqualTo(UsageStatus.SUCCEEDED);
    }

    @Test
    void aDeepSeekShapedStreamIsMeteredWithItsCacheHitsAsCachedInput() throws Exception {
        HttpResponse<java.io.InputStream> response = stream("""
                {"model":"deepseek-r1","stream":true,"max_tokens":9,"simulate":{"cached_tokens":4,"reasoning_tokens":5},
                 "messages":[{"role":"user","content":"think then answer briefly"}]}""");
        List<String> data = dataLines(response.body(), 1000);
        assertThat(data).noneMatch(d -> d.contains("prompt_cache_hit_tokens"));
        UsageEvent event = awaitEvent(UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()));
        int prompt = SimulatedUsage.PER_MESSAGE + SimulatedUsage.words("think then answer briefly");
        assertThat(event.cachedInputTokens()).isEqualTo(4);
        assertThat(event.inputTokens()).isEqualTo(prompt - 4);
        assertThat(event.outputTokens()).isEqualTo(9);
        assertThat(event.reasoningTokens()).isEqualTo(5);
        assertThat(event.estimated()).isFalse();
    }

    @Test
    void theGatewayAlwaysAsksForUsageButHidesItFromAClientThatDidNot() throws Exception {
        HttpResponse<java.io.InputStream> response = stream("""
                {"model":"glm-5","stream":true,"max_tokens":7,"messages":[{"role":"user","content":"no usage for me"}]}""");
        List<String> data = dataLines(response.body(), 1000);
        assertThat(data).noneMatch(d -> d.contains("\"usage\":{"));
        assertThat(data.getLast()).isEqualTo("[DONE]");
        UsageEvent event = awaitEvent(UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()));
        assertThat(event.outputTokens()).isEqualTo(7);
        assertThat(event.estimated()).isFalse();
    }

    /** A plain answer the upstream sent without usage was served unmetered; it is metered by estimate now. */
    @Test
    void aPlainAnswerWithoutUsageIsMeteredByEstimateMarkedEstimated() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", tenantKey, """
                {"model":"deepseek-v3.2","max_tokens":30,"simulate":{"omit_usage":true},
                 "messages":[{"role":"user","content":"an answer with no usage please"}]}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).has("usage")).isFalse();

        UsageEvent event = awaitEvent(UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()));
        assertThat(event.estimated()).isTrue();
        assertThat(event.status()).isEqualTo(UsageStatus.SUCCEEDED);
        assertThat(event.inputTokens()).isPositive();
        assertThat(event.outputTokens()).as("30 simulated words").isBetween(20L, 60L);
    }

    @Test
    void aClientThatHangsUpMidStreamIsStillMeteredWithAnEstimate() throws Exception {
        HttpResponse<java.io.InputStream> response = stream("""
                {"model":"glm-5","stream":true,"max_tokens":200,"simulate":{"token_delay_ms":20},
                 "messages":[{"role":"user","content":"a long answer please"}]}""");
        UUID eventId = UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow());
        assertThat(dataLines(response.body(), 5)).hasSize(5);
        response.body().close(); // the client goes away after five chunks

        UsageEvent event = awaitEvent(eventId);
        assertThat(event.status()).isEqualTo(UsageStatus.CANCELLED);
        assertThat(event.estimated()).isTrue();
        assertThat(event.outputTokens()).isBetween(5L, 199L);
        assertThat(event.inputTokens()).isPositive();
    }

    /**
     * Paced like a real provider: when the connection aborts, the JDK HTTP client drops bytes it had received
     * but not yet handed over, so tokens arriving in the same instant as the crash are not counted.
     */
    @Test
    void anUpstreamThatDiesMidStreamIsStillMeteredWithAnEstimate() throws Exception {
        HttpResponse<java.io.InputStream> response = stream("""
                {"model":"glm-5","stream":true,"max_tokens":50,"simulate":{"die_after_tokens":6,"token_delay_ms":15},
                 "messages":[{"role":"user","content":"crash halfway"}]}""");
        UUID eventId = UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow());
        try {
            dataLines(response.body(), 1000);
        } catch (java.io.IOException cut) {
            // the gateway may pass the cut on; either way the client got the six chunks before it
        }
        UsageEvent event = awaitEvent(eventId);
        assertThat(event.status()).isEqualTo(UsageStatus.FAILED);
        assertThat(event.estimated()).isTrue();
        assertThat(event.outputTokens()).isBetween(6L, 20L);
    }

    @Test
    void listsTheModelsWithProviderAndRegion() throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                "http://localhost:" + environment.getProperty("local.server.port") + "/v1/models"))
                        .header("Authorization", "Bearer " + tenantKey)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode models = JSON.readTree(response.body()).get("data");
        assertThat(models).hasSize(6);
        JsonNode minimax = models.get(4);
        assertThat(minimax.get("id").asString()).isEqualTo("minimax-m2.5");
        assertThat(minimax.get("provider").asString()).isEqualTo("minimax");
        assertThat(minimax.get("region").asString()).isEqualTo("sg");
    }

    @Test
    void badKeysAreRefusedInOpenAiFormat() throws Exception {
        assertOpenAiError(post("/v1/chat/completions", null, "{}"), 401, "invalid_api_key");
        assertOpenAiError(post("/v1/chat/completions", "tm_not-a-real-key", "{}"), 401, "invalid_api_key");
        assertOpenAiError(post("/v1/chat/completions", ADMIN_KEY, chat("glm-5")), 403, "tenant_key_required");
    }

    @Test
    void badRequestsGetOpenAiErrors() throws Exception {
        assertOpenAiError(post("/v1/chat/completions", tenantKey, "{not json"), 400, null);
        assertOpenAiError(
                post("/v1/chat/completions", tenantKey, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                400,
                null);
        assertOpenAiError(post("/v1/chat/completions", tenantKey, "{\"model\":\"glm-5\",\"messages\":[]}"), 400, null);
        HttpResponse<String> unknown = post("/v1/chat/completions", tenantKey, chat("no-such-model"));
        assertOpenAiError(unknown, 404, "model_not_found");
        assertThat(JSON.readTree(unknown.body()).get("error").get("param").asString())
                .isEqualTo("model");
    }

    @Test
    void upstreamErrorsPassThroughWithTheirStatusAndEmitNoEvent() throws Exception {
        HttpResponse<String> limited = post(
                "/v1/chat/completions", tenantKey, chat("glm-5").replace("}]}", "}],\"simulate\":{\"status\":429}}"));
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(limited.body()).get("error").get("message").asString())
                .isEqualTo("simulated upstream error");
        assertThat(limited.headers().firstValue("x-tokenmeter-usage-event-id")).isEmpty();
    }

    @Test
    void keysAreStoredOnlyAsHashes() {
        List<Map<String, Object>> rows =
                jdbc.queryForList("SELECT key_prefix, key_hash FROM api_key WHERE tenant_id = ?", tenantId);
        assertThat(rows).hasSize(1);
        assertThat(rows.getFirst().get("key_hash")).isEqualTo(ApiKeys.sha256(tenantKey));
        assertThat(tenantKey).startsWith((String) rows.getFirst().get("key_prefix"));
        Integer clear = jdbc.queryForObject(
                "SELECT count(*) FROM api_key WHERE key_hash = ? OR key_prefix = ?",
                Integer.class,
                tenantKey,
                tenantKey);
        assertThat(clear).isZero();
    }

    @Test
    void onlyAdminsManageTenants() throws Exception {
        HttpResponse<String> asTenant = post(
                "/api/v1/admin/tenants", tenantKey, "{\"name\":\"x\",\"billing_country\":\"DE\",\"currency\":\"EUR\"}");
        assertThat(asTenant.statusCode()).isEqualTo(403);
        assertThat(asTenant.headers().firstValue("content-type")).hasValue("application/problem+json");

        HttpResponse<String> badCurrency = post(
                "/api/v1/admin/tenants", ADMIN_KEY, "{\"name\":\"x\",\"billing_country\":\"DE\",\"currency\":\"XYZ\"}");
        assertThat(badCurrency.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badCurrency.body()).get("detail").asString()).contains("ISO 4217");

        HttpResponse<String> noKey = post("/api/v1/admin/tenants", null, "{}");
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(noKey.headers().firstValue("content-type")).hasValue("application/problem+json");
    }

    @Test
    void suspensionAndRevocationTakeEffectOnTheNextCallAndAreAudited() throws Exception {
        assertThat(post("/v1/chat/completions", tenantKey, chat("glm-5")).statusCode())
                .isEqualTo(200);
        assertThat(post("/api/v1/admin/tenants/" + tenantId + "/suspend", tenantKey, "")
                        .statusCode())
                .isEqualTo(403);

        assertThat(post("/api/v1/admin/tenants/" + tenantId + "/suspend", ADMIN_KEY, "")
                        .statusCode())
                .isEqualTo(200);
        assertOpenAiError(post("/v1/chat/completions", tenantKey, chat("glm-5")), 403, "tenant_suspended");
        assertThat(post("/api/v1/admin/tenants/" + tenantId + "/activate", ADMIN_KEY, "")
                        .statusCode())
                .isEqualTo(200);
        assertThat(post("/v1/chat/completions", tenantKey, chat("glm-5")).statusCode())
                .isEqualTo(200);

        String second = JSON.readTree(
                        post("/api/v1/admin/tenants/" + tenantId + "/api-keys", ADMIN_KEY, "{\"name\":\"second\"}")
                                .body())
                .get("key")
                .asString();
        JsonNode listed = JSON.readTree(send("GET", "/api/v1/admin/tenants/" + tenantId + "/api-keys", ADMIN_KEY)
                .body());
        assertThat(listed).hasSize(2);
        assertThat(listed.get(0).has("key")).isFalse();
        assertThat(listed.toString()).doesNotContain(tenantKey).doesNotContain(ApiKeys.sha256(tenantKey));
        String firstId = listed.get(0).get("id").asString();

        assertThat(send("DELETE", "/api/v1/admin/tenants/" + tenantId + "/api-keys/" + firstId, ADMIN_KEY)
                        .statusCode())
                .isEqualTo(200);
        assertOpenAiError(post("/v1/chat/completions", tenantKey, chat("glm-5")), 401, "invalid_api_key");
        assertThat(post("/v1/chat/completions", second, chat("glm-5")).statusCode())
                .isEqualTo(200);

        JsonNode audit = JSON.readTree(send("GET", "/api/v1/admin/audit?entity=tenant&entity_id=" + tenantId, ADMIN_KEY)
                .body());
        assertThat(audit).extracting(e -> e.get("action").asString()).containsExactly("activate", "suspend", "create");
        assertThat(audit.get(1).get("before").get("status").asString()).isEqualTo("ACTIVE");
        assertThat(audit.get(1).get("after").get("status").asString()).isEqualTo("SUSPENDED");
        JsonNode revoked =
                JSON.readTree(send("GET", "/api/v1/admin/audit?entity=api_key&entity_id=" + firstId, ADMIN_KEY)
                        .body());
        assertThat(revoked.get(0).get("action").asString()).isEqualTo("revoke");
        assertThat(revoked.toString()).doesNotContain(tenantKey);
    }

    @Test
    void everyTenantChangeIsPublishedWholeOnTenantsV1ForBilling() throws Exception {
        HttpResponse<String> created = post("/api/v1/admin/tenants", ADMIN_KEY, """
                {"name":"Lion City AI","legal_name":"Lion City AI Pte. Ltd.","billing_country":"SG","currency":"SGD","tax_id":"201912345K"}""");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asString();
        HttpResponse<String> changed = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + environment.getProperty("local.server.port")
                                + "/api/v1/admin/tenants/" + id + "/billing-identity"))
                        .header("Authorization", "Bearer " + ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .PUT(
                                HttpRequest.BodyPublishers.ofString(
                                        "{\"legal_name\":\"Lion City AI GmbH\",\"billing_country\":\"DE\",\"tax_id\":\"DE123456789\",\"currency\":\"EUR\",\"issuer_id\":\"EU1\"}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(changed.statusCode()).as(changed.body()).isEqualTo(200);
        assertThat(post("/api/v1/admin/tenants/" + id + "/suspend", ADMIN_KEY, "")
                        .statusCode())
                .isEqualTo(200);

        List<TenantProfileChanged> published = EmittedUsage.tenantProfiles(id, 3);
        assertThat(published)
                .extracting(TenantProfileChanged::legalName)
                .containsExactly("Lion City AI Pte. Ltd.", "Lion City AI GmbH", "Lion City AI GmbH");
        assertThat(published.getLast().billingCountry()).isEqualTo("DE");
        assertThat(published.getLast().taxId()).isEqualTo("DE123456789");
        assertThat(published.getLast().currency()).isEqualTo("EUR");
        assertThat(published.getLast().issuerId()).isEqualTo("EU1");
        assertThat(published.getFirst().issuerId())
                .as("billing's default issuer")
                .isNull();
        assertThat(published.getLast().status()).isEqualTo("SUSPENDED");
        assertThat(published.get(1).changedAt())
                .isAfterOrEqualTo(published.get(0).changedAt());
        assertThat(published.get(2).changedAt())
                .isAfterOrEqualTo(published.get(1).changedAt());
    }

    @Test
    void aKeyOverItsRateLimitGets429WithRetryAfter() throws Exception {
        String limited = JSON.readTree(post(
                                "/api/v1/admin/tenants/" + tenantId + "/api-keys",
                                ADMIN_KEY,
                                "{\"name\":\"slow\",\"requests_per_minute\":3}")
                        .body())
                .get("key")
                .asString();
        for (int i = 0; i < 3; i++) {
            assertThat(post("/v1/chat/completions", limited, chat("glm-5")).statusCode())
                    .isEqualTo(200);
        }
        HttpResponse<String> refused = post("/v1/chat/completions", limited, chat("glm-5"));
        assertOpenAiError(refused, 429, "rate_limit_exceeded");
        assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(1L, 20L);
        assertThat(post("/v1/chat/completions", tenantKey, chat("glm-5")).statusCode())
                .as("other keys are not affected")
                .isEqualTo(200);
    }

    @Test
    void aDeadUpstreamFallsBackToTheNextRouteAndTheServingRegionIsBilled() throws Exception {
        HttpResponse<String> response = post("/v1/chat/completions", tenantKey, chat("kimi-k2"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageEvent event = awaitEvent(UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()));
        assertThat(event.region()).isEqualTo("sg");
        assertThat(event.provider()).isEqualTo("moonshot");
        // for the request log: the route left behind and why, and a plain answer's first data is the whole answer
        assertThat(event.attempts()).containsExactly(new UpstreamAttempt("moonshot", "cn-beijing", "connect"));
        assertThat(event.streamed()).isFalse();
        assertThat(event.firstTokenMs()).isEqualTo(event.latencyMs());

        HttpResponse<java.io.InputStream> streamed = stream("""
                {"model":"kimi-k2","stream":true,"max_tokens":3,"messages":[{"role":"user","content":"fall back while streaming"}]}""");
        assertThat(streamed.statusCode()).isEqualTo(200);
        UUID streamedId = UUID.fromString(
                streamed.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow());
        assertThat(dataLines(streamed.body(), 100).getLast()).isEqualTo("[DONE]");
        UsageEvent streamEvent = awaitEvent(streamedId);
        assertThat(streamEvent.streamed()).isTrue();
        assertThat(streamEvent.attempts()).extracting(UpstreamAttempt::region).containsExactly("cn-beijing");
        assertThat(streamEvent.firstTokenMs()).isNotNull().isBetween(0L, streamEvent.latencyMs());
    }

    @Test
    void aTenantRestrictedToSomeRegionsIsServedOnlyThere() throws Exception {
        HttpResponse<String> restricted = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + environment.getProperty("local.server.port")
                                + "/api/v1/admin/tenants/" + tenantId + "/regions"))
                        .header("Authorization", "Bearer " + ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"allowed_regions\":[\"sg\",\"eu\"]}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(restricted.statusCode()).as(restricted.body()).isEqualTo(200);

        HttpResponse<String> refused = post("/v1/chat/completions", tenantKey, chat("glm-5"));
        assertOpenAiError(refused, 403, "region_not_allowed");
        assertThat(JSON.readTree(refused.body()).get("error").get("message").asString())
                .contains("cn-beijing")
                .contains("sg, eu");

        HttpResponse<String> served = post("/v1/chat/completions", tenantKey, chat("minimax-m2.5"));
        assertThat(served.statusCode()).isEqualTo(200);
        assertThat(awaitEvent(UUID.fromString(served.headers()
                                .firstValue("x-tokenmeter-usage-event-id")
                                .orElseThrow()))
                        .region())
                .isEqualTo("sg");

        JsonNode models =
                JSON.readTree(send("GET", "/v1/models", tenantKey).body()).get("data");
        assertThat(models).extracting(m -> m.get("id").asString()).containsExactly("kimi-k2", "minimax-m2.5");
        assertThat(models.get(0).get("region").asString()).isEqualTo("sg");
    }

    private HttpResponse<String> send(String method, String path, String key) throws Exception {
        return LocalServer.of(environment).withKey(method, path, key, null);
    }

    /** Who a key is (the console signs in with it), and a tenant's own keys: its own, never another's. */
    @Test
    void aKeySaysWhoItIsAndATenantListsItsOwnKeysOnly() throws Exception {
        JsonNode me = JSON.readTree(get("/api/v1/me", tenantKey).body());
        assertThat(me.get("role").asString()).isEqualTo("TENANT");
        assertThat(me.get("tenant_id").asString()).isEqualTo(tenantId);
        assertThat(me.get("currency").asString()).isEqualTo("EUR");
        assertThat(JSON.readTree(get("/api/v1/me", ADMIN_KEY).body())
                        .get("role")
                        .asString())
                .isEqualTo("ADMIN");
        assertThat(get("/api/v1/me", "tm_not_a_key").statusCode()).isEqualTo(401);

        String other = JSON.readTree(post(
                                "/api/v1/admin/tenants",
                                ADMIN_KEY,
                                "{\"name\":\"Other\",\"billing_country\":\"SG\",\"currency\":\"SGD\"}")
                        .body())
                .get("id")
                .asString();
        String otherPrefix = JSON.readTree(
                        post("/api/v1/admin/tenants/" + other + "/api-keys", ADMIN_KEY, "{\"name\":\"o\"}")
                                .body())
                .get("prefix")
                .asString();

        HttpResponse<String> own = get("/api/v1/keys", tenantKey);
        assertThat(own.statusCode()).isEqualTo(200);
        JsonNode keys = JSON.readTree(own.body());
        assertThat(keys).hasSize(1);
        assertThat(keys.get(0).get("prefix").asString())
                .isEqualTo(tenantKey.substring(
                        0, keys.get(0).get("prefix").asString().length()));
        assertThat(own.body()).doesNotContain(otherPrefix).doesNotContain(tenantKey);
        assertThat(get("/api/v1/keys", ADMIN_KEY).statusCode()).isEqualTo(403);
    }

    /** A leaked finance or admin key needed SQL to stop: staff keys are listed and revoked like tenant keys now. */
    @Test
    void staffKeysAreListedAndRevokedAtOnceAndAudited() throws Exception {
        JsonNode finance =
                JSON.readTree(post("/api/v1/admin/api-keys", ADMIN_KEY, "{\"name\":\"leaky\",\"role\":\"FINANCE\"}")
                        .body());
        String financeKey = finance.get("key").asString();
        String financeId = finance.get("id").asString();
        assertThat(get("/api/v1/billing/runs", financeKey).statusCode())
                .as("the key works")
                .isNotIn(401, 403);

        HttpResponse<String> listed = get("/api/v1/admin/api-keys", ADMIN_KEY);
        assertThat(listed.statusCode()).isEqualTo(200);
        JsonNode mine = null;
        for (JsonNode k : JSON.readTree(listed.body())) {
            assertThat(k.has("key")).isFalse();
            assertThat(k.toString())
                    .doesNotContain(financeKey)
                    .doesNotContain(io.tokenmeter.gateway.keys.ApiKeys.sha256(financeKey));
            if (k.get("id").asString().equals(financeId)) {
                mine = k;
            }
        }
        assertThat(mine).isNotNull();
        assertThat(mine.get("prefix").asString()).isEqualTo(financeKey.substring(0, 11));
        assertThat(get("/api/v1/admin/api-keys", tenantKey).statusCode()).isEqualTo(403);
        assertThat(get("/api/v1/admin/api-keys", financeKey).statusCode()).isEqualTo(403);

        HttpResponse<String> revoked = send("DELETE", "/api/v1/admin/api-keys/" + financeId, ADMIN_KEY);
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(200);
        assertThat(JSON.readTree(revoked.body()).get("revoked_at").isNull()).isFalse();
        assertThat(get("/api/v1/billing/runs", financeKey).statusCode())
                .as("refused from the next call")
                .isEqualTo(401);
        assertThat(send("DELETE", "/api/v1/admin/api-keys/" + tenantId, ADMIN_KEY)
                        .statusCode())
                .isEqualTo(404);
        assertThat(get("/api/v1/admin/audit?entity=api_key&entity_id=" + financeId, ADMIN_KEY)
                        .body())
                .contains("\"revoke\"");
    }

    /** Guessing keys: an address that presented too many bad ones is held off, before any lookup; others are not. */
    @Test
    void anAddressThatPresentsManyBadKeysIsHeldOffAndOthersAreNot() throws Exception {
        java.net.InetAddress guesser = java.net.InetAddress.getByName("127.0.0.2");
        for (int i = 0; i < 20; i++) {
            assertThat(rawGet(guesser, "/v1/models", "tm_guess" + i)).startsWith("HTTP/1.1 401");
        }
        String heldOff = rawGet(guesser, "/v1/models", "tm_guess-again");
        assertThat(heldOff)
                .startsWith("HTTP/1.1 429")
                .containsIgnoringCase("retry-after")
                .contains("too_many_failed_authentications");
        assertThat(rawGet(guesser, "/v1/models", tenantKey))
                .as("a good key from that address waits too")
                .startsWith("HTTP/1.1 429");
        assertThat(rawGet(java.net.InetAddress.getByName("127.0.0.1"), "/v1/models", tenantKey))
                .startsWith("HTTP/1.1 200");
    }

    /**
     * The console checks the keys its users type from its own address. The gateway stamps what it passes to the
     * console with the browser's address (a browser's own stamp is replaced), and a bad key sent back with a valid
     * stamp counts against that address: one typist is held off, the console and other typists are not. A stamp
     * forged by the sender counts against the sender.
     */
    @Test
    void badKeysTypedIntoTheConsoleCountAgainstTheTypistsAddressNotTheConsoles() throws Exception {
        consoleStamps.clear();
        String forgedByBrowser = clientAddresses.stamp("198.51.100.1").replace("198.51.100.1", "127.0.0.5");
        assertThat(rawRequest(
                        java.net.InetAddress.getByName("127.0.0.5"),
                        "POST /console/sign-in",
                        Map.of(io.tokenmeter.gateway.auth.ClientAddresses.HEADER, forgedByBrowser)))
                .startsWith("HTTP/1.1 204");
        assertThat(consoleStamps).hasSize(1);
        assertThat(clientAddresses.verified(consoleStamps.getFirst()))
                .as("the gateway's stamp of the browser's address, not the browser's own header")
                .contains("127.0.0.5");

        // the console (here, this test from 127.0.0.1) checks 20 wrong keys typed from 203.0.113.7
        String typist = clientAddresses.stamp("203.0.113.7");
        for (int i = 0; i < 20; i++) {
            assertThat(stampedMe("tm_typo" + i, typist).statusCode()).isEqualTo(401);
        }
        HttpResponse<String> heldOff = stampedMe(tenantKey, typist);
        assertThat(heldOff.statusCode())
                .as("that typist waits, even with a good key")
                .isEqualTo(429);
        assertThat(heldOff.headers().firstValue("Retry-After")).isPresent();
        assertThat(stampedMe(tenantKey, clientAddresses.stamp("203.0.113.8")).statusCode())
                .as("another typist through the same console")
                .isEqualTo(200);
        assertThat(get("/api/v1/me", tenantKey).statusCode())
                .as("the console's own address")
                .isEqualTo(200);

        // a stamp the sender made up counts against the sender
        java.net.InetAddress forger = java.net.InetAddress.getByName("127.0.0.6");
        String forged = typist.replace("203.0.113.7", "203.0.113.9");
        for (int i = 0; i < 20; i++) {
            assertThat(rawRequest(
                            forger,
                            "GET /api/v1/me",
                            Map.of(
                                    "Authorization",
                                    "Bearer tm_forged" + i,
                                    io.tokenmeter.gateway.auth.ClientAddresses.HEADER,
                                    forged)))
                    .startsWith("HTTP/1.1 401");
        }
        assertThat(rawRequest(forger, "GET /api/v1/me", Map.of("Authorization", "Bearer " + tenantKey)))
                .startsWith("HTTP/1.1 429");
        assertThat(stampedMe(tenantKey, clientAddresses.stamp("203.0.113.9")).statusCode())
                .as("the address the forger named was not charged")
                .isEqualTo(200);
    }

    private HttpResponse<String> stampedMe(String key, String stamp) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + environment.getProperty("local.server.port") + "/api/v1/me"))
                        .header("Authorization", "Bearer " + key)
                        .header(io.tokenmeter.gateway.auth.ClientAddresses.HEADER, stamp)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A request line and headers from a chosen local address; returns the status line and headers. */
    private String rawRequest(java.net.InetAddress from, String requestLine, Map<String, String> headers)
            throws Exception {
        try (java.net.Socket socket = new java.net.Socket(
                java.net.InetAddress.getByName("127.0.0.1"),
                Integer.parseInt(environment.getProperty("local.server.port")),
                from,
                0)) {
            socket.setSoTimeout(10_000);
            StringBuilder request = new StringBuilder(requestLine + " HTTP/1.1\r\nHost: localhost\r\n");
            headers.forEach((name, value) ->
                    request.append(name).append(": ").append(value).append("\r\n"));
            request.append("Content-Length: 0\r\nConnection: close\r\n\r\n");
            socket.getOutputStream().write(request.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * A GET from a chosen local address, so the gateway sees that client address; returns the status line and headers.
     */
    private String rawGet(java.net.InetAddress from, String path, String key) throws Exception {
        return rawRequest(from, "GET " + path, Map.of("Authorization", "Bearer " + key));
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        return send("GET", path, key);
    }

    /** "Invalid request content." said nothing: each broken field is named by JSON pointer, with its rule. */
    @Test
    void aBadRequestNamesEachFieldThatIsWrongAndTheRuleItBreaks() throws Exception {
        HttpResponse<String> noCurrency =
                post("/api/v1/admin/tenants", ADMIN_KEY, "{\"name\":\"Acme\",\"billing_country\":\"de\"}");
        assertThat(noCurrency.statusCode()).as(noCurrency.body()).isEqualTo(400);
        JsonNode problem = JSON.readTree(noCurrency.body());
        assertThat(problem.get("type").asString()).isEqualTo("https://tokenmeter.io/problems/invalid-request");
        assertThat(problem.get("request_id").asString()).isNotBlank();
        Map<String, String> rules = new java.util.TreeMap<>();
        problem.get("errors")
                .forEach(e ->
                        rules.put(e.get("pointer").asString(), e.get("rule").asString()));
        assertThat(rules).containsEntry("/currency", "not-blank").containsEntry("/billing_country", "pattern");
        assertThat(problem.get("detail").asString()).contains("currency").contains("billing_country");

        HttpResponse<String> wrongType = post(
                "/api/v1/admin/tenants",
                ADMIN_KEY,
                "{\"name\":\"Acme\",\"billing_country\":\"DE\",\"currency\":\"EUR\",\"allowed_regions\":\"sg\"}");
        assertThat(wrongType.statusCode()).as(wrongType.body()).isEqualTo(400);
        assertThat(JSON.readTree(wrongType.body())
                        .get("errors")
                        .get(0)
                        .get("pointer")
                        .asString())
                .isEqualTo("/allowed_regions");
    }

    /**
     * What drove the gateway out of memory: a body of hundreds of MB. Its Content-Length alone gets 413 (nothing of
     * it is sent here, so nothing can have been read), in each API's own error shape, and the next call is served.
     */
    @Test
    void aBodyFarOverTheCapIsRefusedWith413BeforeItIsReadAndTheNextCallIsServed() throws Exception {
        String openAi = rawRequestHead("/v1/chat/completions", "Authorization: Bearer " + tenantKey, 400_000_000L);
        assertThat(openAi).startsWith("HTTP/1.1 413");
        assertThat(JSON.readTree(openAi.substring(openAi.indexOf("\r\n\r\n") + 4))
                        .get("error")
                        .get("code")
                        .asString())
                .isEqualTo("request_too_large");
        String anthropic = rawRequestHead("/v1/messages", "x-api-key: " + tenantKey, 400_000_000L);
        assertThat(anthropic).startsWith("HTTP/1.1 413");
        assertThat(JSON.readTree(anthropic.substring(anthropic.indexOf("\r\n\r\n") + 4))
                        .get("error")
                        .get("type")
                        .asString())
                .isEqualTo("request_too_large");
        String rest = rawRequestHead("/api/v1/admin/tenants", "Authorization: Bearer " + ADMIN_KEY, 2L << 20);
        assertThat(rest)
                .startsWith("HTTP/1.1 413")
                .contains("application/problem+json")
                .contains("https://tokenmeter.io/problems/payload-too-large");

        assertThat(post("/v1/chat/completions", tenantKey, chat("deepseek-v3.2"))
                        .statusCode())
                .isEqualTo(200);
    }

    /** A chunked body states no length: it is read up to the cap (32 MB by default), then refused. */
    @Test
    void aChunkedBodyOverTheCapIsRefusedOnceItPassesTheCap() throws Exception {
        long size = (32L << 20) + (512 << 10);
        java.io.InputStream body = new java.io.InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? ' ' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) ' ');
                left -= n;
                return n;
            }
        };
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + environment.getProperty("local.server.port")
                                + "/v1/chat/completions"))
                        .header("Authorization", "Bearer " + tenantKey)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertOpenAiError(response, 413, "request_too_large");
        assertThat(post("/v1/chat/completions", tenantKey, chat("deepseek-v3.2"))
                        .statusCode())
                .isEqualTo(200);
    }

    /**
     * Sends a request's head announcing {@code contentLength} bytes and none of them; returns the response, its body
     * de-chunked. The server must answer without the body, or this times out.
     */
    private String rawRequestHead(String path, String authorization, long contentLength) throws Exception {
        try (java.net.Socket socket =
                new java.net.Socket("127.0.0.1", Integer.parseInt(environment.getProperty("local.server.port")))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream()
                    .write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\n" + authorization
                                    + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength
                                    + "\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.DataInputStream in =
                    new java.io.DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
            StringBuilder head = new StringBuilder();
            String line;
            while (!(line = asciiLine(in)).isEmpty()) {
                head.append(line).append("\r\n");
            }
            String headers = head.toString().toLowerCase(java.util.Locale.ROOT);
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            if (headers.contains("transfer-encoding: chunked")) {
                int length;
                while ((length = Integer.parseInt(asciiLine(in).trim(), 16)) > 0) {
                    body.write(in.readNBytes(length));
                    asciiLine(in);
                }
            } else {
                java.util.regex.Matcher length = java.util.regex.Pattern.compile("content-length: (\\d+)")
                        .matcher(headers);
                body.write(in.readNBytes(length.find() ? Integer.parseInt(length.group(1)) : 0));
            }
            return head + "\r\n" + body.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static String asciiLine(java.io.InputStream in) throws java.io.IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }

    private static String chat(String model) {
        return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}";
    }

    private void assertOpenAiError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error).as(response.body()).isNotNull();
        assertThat(error.get("message").asString()).isNotBlank();
        assertThat(error.get("type").asString()).isNotBlank();
        if (code != null) {
            assertThat(error.get("code").asString()).isEqualTo(code);
        }
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        return LocalServer.of(environment).post(path, key, body);
    }

    private static UsageEvent awaitEvent(UUID eventId) {
        return EmittedUsage.await(eventId);
    }
}
