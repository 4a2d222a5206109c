package io.tokenmeter.gateway;

import com.sun.net.httpserver.HttpServer;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.simulator.UpstreamSimulator;
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

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live model catalog: a model, its upstream and the upstream's credential added through the admin API are served
 * at once, without a restart; a change another instance made (rows and revision in the shared database) is picked up
 * within seconds; credentials are sealed at rest and never shown; bad entries are refused field by field; a route no
 * sell price covers is a warning; only an admin may change the catalog.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.profiles.active=routingtest")
@RealInfrastructure
class ModelCatalogTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static UpstreamSimulator simulator;
    private static HttpServer pricing;

    @Autowired
    Environment environment;

    @Autowired
    JdbcTemplate jdbc;

    String tenantKey;

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) throws Exception {
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
        // pricing's price books: one sell book whose version in force rates glm-5-air in cn-beijing only
        pricing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pricing.createContext("/api/v1/pricing/books", exchange -> {
            String body = exchange.getRequestURI().getPath().endsWith("/versions") ? """
                      [{"price_book_id":"pb_sell","version":1,"in_effect":true,
                        "effective_from":"2026-01-01T00:00:00Z",
                        "rates":[{"model":"glm-5-air","region":"cn-beijing","token_class":"input",
                                  "rate_per_million":0.5}]}]""" : """
                      [{"id":"pb_sell","name":"list","currency":"USD","purpose":"sell","default":true},
                       {"id":"pb_cost","name":"cost","currency":"CNY","purpose":"cost","default":true}]""";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        pricing.start();
        registry.add(
                "tokenmeter.gateway.services.pricing",
                () -> "http://127.0.0.1:" + pricing.getAddress().getPort());
    }

    @AfterAll
    static void stop() {
        simulator.close();
        pricing.stop(0);
    }

    @BeforeEach
    void tenantWithKey() throws Exception {
        HttpResponse<String> tenant = send(
                "POST",
                "/api/v1/admin/tenants",
                ADMIN_KEY,
                "{\"name\":\"Catalog\",\"billing_country\":\"DE\",\"currency\":\"EUR\"}");
        assertThat(tenant.statusCode()).as(tenant.body()).isEqualTo(201);
        String tenantId = JSON.readTree(tenant.body()).get("id").asString();
        HttpResponse<String> key =
                send("POST", "/api/v1/admin/tenants/" + tenantId + "/api-keys", ADMIN_KEY, "{\"name\":\"ci\"}");
        assertThat(key.statusCode()).as(key.body()).isEqualTo(201);
        tenantKey = JSON.readTree(key.body()).get("key").asString();
    }

    @Test
    void aModelAddedThroughTheApiIsServedAtOnceWithItsRouteAndCredential() throws Exception {
        String model = "glm-5-air-" + suffix();
        assertThat(chat(model).statusCode()).as("not in the catalog yet").isEqualTo(404);

        // a wrong secret first: the call reaches the upstream with it and is refused there
        assertThat(send("PUT", "/api/v1/admin/catalog/credentials/zhipu-eu", ADMIN_KEY, "{\"secret\":\"wrong\"}")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> upstream =
                send("PUT", "/api/v1/admin/catalog/upstreams/zhipu-eu", ADMIN_KEY, """
                {"base_url":"%s","credential":"zhipu-eu","connect_timeout_ms":2000}""".formatted(simulator.baseUrl()));
        assertThat(upstream.statusCode()).as(upstream.body()).isEqualTo(200);
        assertThat(JSON.readTree(upstream.body()).get("managed_by").asString()).isEqualTo("admin");

        HttpResponse<String> added = send("PUT", "/api/v1/admin/catalog/models/" + model, ADMIN_KEY, """
                {"max_output_tokens":4096,"routes":[
                  {"upstream":"zhipu-eu","provider":"zhipu","region":"eu-frankfurt","upstream_model":"glm-5"},
                  {"upstream":"zhipu-eu","provider":"zhipu","region":"cn-beijing"}]}""");
        assertThat(added.statusCode()).as(added.body()).isEqualTo(200);
        JsonNode change = JSON.readTree(added.body());
        assertThat(change.get("model").get("routes")).hasSize(2);
        assertThat(texts(change.get("warnings")))
                .as("eu-frankfurt has no sell price; cn-beijing has none for this new name either")
                .anySatisfy(w -> assertThat(w).contains(model).contains("eu-frankfurt"));

        assertThat(chat(model).statusCode())
                .as("served at once, with the wrong secret refused upstream")
                .isNotIn(200, 404);
        assertThat(send("PUT", "/api/v1/admin/catalog/credentials/zhipu-eu", ADMIN_KEY, """
                        {"secret":"%s"}""".formatted(
                                        SimulatedUpstreams.CREDENTIAL))
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> served = chat(model);
        assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
        assertThat(JSON.readTree(served.body()).get("model").asString())
                .as("the upstream got the route's model name")
                .isEqualTo("glm-5");
        UsageEvent event = EmittedUsage.await(UUID.fromString(
                served.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()));
        assertThat(event.model()).isEqualTo(model);
        assertThat(event.provider()).isEqualTo("zhipu");
        assertThat(event.region()).isEqualTo("eu-frankfurt");

        JsonNode listed =
                JSON.readTree(send("GET", "/v1/models", tenantKey, null).body());
        assertThat(listed.get("data").valueStream().map(m -> m.get("id").asString()))
                .contains(model);

        assertThat(send("DELETE", "/api/v1/admin/catalog/models/" + model, ADMIN_KEY, null)
                        .statusCode())
                .isEqualTo(204);
        assertThat(chat(model).statusCode()).as("gone at once").isEqualTo(404);
        assertThat(send("DELETE", "/api/v1/admin/catalog/upstreams/zhipu-eu", ADMIN_KEY, null)
                        .statusCode())
                .isEqualTo(204);
    }

    /** Another gateway instance's change is rows and a raised revision in the shared database. */
    @Test
    void aChangeMadeThroughAnotherInstanceIsInForceHereWithinSeconds() throws Exception {
        String model = "kimi-k2-turbo-" + suffix();
        jdbc.update("INSERT INTO catalog_model (name, managed_by) VALUES (?, 'admin')", model);
        jdbc.update(
                "INSERT INTO model_route (model, priority, upstream, provider, region) VALUES (?, 0, 'simulator',"
                        + " 'moonshot', 'sg')",
                model);
        assertThat(chat(model).statusCode())
                .as("the rows alone change nothing: this instance routes by the revision it read")
                .isEqualTo(404);
        jdbc.update("UPDATE catalog_revision SET revision = revision + 1");

        long start = System.nanoTime();
        int status = 0;
        while (System.nanoTime() - start < Duration.ofSeconds(10).toNanos()
                && (status = chat(model).statusCode()) != 200) {
            Thread.sleep(100);
        }
        assertThat(status).as("served within 10 s of the revision moving").isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("refresh-every is 2 s")
                .isLessThan(Duration.ofSeconds(5));
        assertThat(send("DELETE", "/api/v1/admin/catalog/models/" + model, ADMIN_KEY, null)
                        .statusCode())
                .isEqualTo(204);
    }

    @Test
    void aCredentialIsSealedAtRestAuditedWithoutItsSecretAndNeverShown() throws Exception {
        String name = "cred-" + suffix();
        String secret = "sk-live-" + UUID.randomUUID();
        assertThat(send("PUT", "/api/v1/admin/catalog/credentials/" + name, ADMIN_KEY, """
                        {"secret":"%s"}""".formatted(secret))
                        .statusCode())
                .isEqualTo(200);

        String stored =
                jdbc.queryForObject("SELECT sealed FROM upstream_credential WHERE name = ?", String.class, name);
        assertThat(stored).startsWith("enc:v1:").doesNotContain(secret);
        jdbc.update("UPDATE upstream_credential SET name = name WHERE name = ?", name);
        HttpResponse<String> catalog = send("GET", "/api/v1/admin/catalog", ADMIN_KEY, null);
        assertThat(catalog.statusCode()).isEqualTo(200);
        assertThat(catalog.body()).contains(name).doesNotContain(secret).doesNotContain(stored);
        assertThat(jdbc.queryForList(
                        "SELECT coalesce(before::text, '') || coalesce(after::text, '') FROM admin_audit"
                                + " WHERE entity = 'upstream_credential' AND entity_id = ?",
                        String.class,
                        name))
                .hasSize(1)
                .allSatisfy(entry -> assertThat(entry).contains(name).doesNotContain(secret));
        assertThat(send("DELETE", "/api/v1/admin/catalog/credentials/" + name, ADMIN_KEY, null)
                        .statusCode())
                .isEqualTo(204);
    }

    /**
     * A credential sealed under another key (a key rotated without re-storing, a database restored elsewhere) takes
     * only its upstream out of service, with a warning: the gateway neither fails nor sends a call without it.
     */
    @Test
    void aCredentialSealedUnderAnotherKeyTakesOnlyItsUpstreamOutOfService() throws Exception {
        String name = "foreign-" + suffix();
        byte[] otherKey = new byte[32];
        new java.security.SecureRandom().nextBytes(otherKey);
        String sealed = new io.tokenmeter.starter.secrets.SealedSecrets(
                        java.util.Base64.getEncoder().encodeToString(otherKey), "another key")
                .seal(name, SimulatedUpstreams.CREDENTIAL);
        jdbc.update("INSERT INTO upstream_credential (name, sealed, managed_by) VALUES (?, ?, 'admin')", name, sealed);
        assertThat(send("PUT", "/api/v1/admin/catalog/upstreams/" + name, ADMIN_KEY, """
                        {"base_url":"%s","credential":"%s"}""".formatted(
                                        simulator.baseUrl(), name))
                        .statusCode())
                .isEqualTo(200);
        String model = "foreign-model-" + suffix();
        assertThat(send("PUT", "/api/v1/admin/catalog/models/" + model, ADMIN_KEY, """
                        {"routes":[{"upstream":"%s","provider":"zhipu","region":"cn-beijing"}]}""".formatted(name))
                        .statusCode())
                .isEqualTo(200);

        assertThat(chat(model).statusCode()).as("no route it could use").isEqualTo(404);
        assertThat(chat("glm-5").statusCode()).as("everything else is served").isEqualTo(200);
        assertThat(send("GET", "/api/v1/admin/catalog", ADMIN_KEY, null).body())
                .contains("credential " + name + " does not open");

        assertThat(send("DELETE", "/api/v1/admin/catalog/models/" + model, ADMIN_KEY, null)
                        .statusCode())
                .isEqualTo(204);
        assertThat(send("DELETE", "/api/v1/admin/catalog/upstreams/" + name, ADMIN_KEY, null)
                        .statusCode())
                .isEqualTo(204);
        assertThat(send("DELETE", "/api/v1/admin/catalog/credentials/" + name, ADMIN_KEY, null)
                        .statusCode())
                .isEqualTo(204);
    }

    @Test
    void anInvalidEntryIsRefusedWithEachFieldNamed() throws Exception {
        HttpResponse<String> model = send("PUT", "/api/v1/admin/catalog/models/ok-name", ADMIN_KEY, """
                {"max_output_tokens":0,"routes":[{"upstream":"nowhere","provider":"zhipu","region":"eu west"}]}""");
        assertThat(model.statusCode()).isEqualTo(400);
        assertThat(pointers(model))
                .containsExactlyInAnyOrder("/max_output_tokens", "/routes/0/upstream", "/routes/0/region");

        HttpResponse<String> upstream = send("PUT", "/api/v1/admin/catalog/upstreams/x", ADMIN_KEY, """
                {"base_url":"file:///etc/passwd","credential":"absent","timeout_ms":-1}""");
        assertThat(upstream.statusCode()).isEqualTo(400);
        assertThat(pointers(upstream)).containsExactlyInAnyOrder("/base_url", "/credential", "/timeout_ms");

        HttpResponse<String> credential =
                send("PUT", "/api/v1/admin/catalog/credentials/x", ADMIN_KEY, "{\"secret\":\"a\\r\\nX-Injected: 1\"}");
        assertThat(credential.statusCode()).isEqualTo(400);
        assertThat(pointers(credential)).containsExactly("/secret");

        assertThat(send("PUT", "/api/v1/admin/catalog/models/empty", ADMIN_KEY, "{\"routes\":[]}")
                        .statusCode())
                .isEqualTo(400);
        assertThat(jdbc.queryForObject(
                        "SELECT count(*) FROM catalog_model WHERE name IN ('ok-name', 'empty')", Long.class))
                .isZero();
    }

    @Test
    void whatIsInUseCannotBeRemoved() throws Exception {
        HttpResponse<String> upstream = send("DELETE", "/api/v1/admin/catalog/upstreams/simulator", ADMIN_KEY, null);
        assertThat(upstream.statusCode()).isEqualTo(409);
        assertThat(upstream.body()).contains("glm-5");
        HttpResponse<String> credential =
                send("DELETE", "/api/v1/admin/catalog/credentials/simulator", ADMIN_KEY, null);
        assertThat(credential.statusCode()).isEqualTo(409);
        assertThat(chat("glm-5").statusCode()).isEqualTo(200);
    }

    @Test
    void onlyAnAdminReadsOrChangesTheCatalog() throws Exception {
        assertThat(send("GET", "/api/v1/admin/catalog", tenantKey, null).statusCode())
                .isEqualTo(403);
        assertThat(send("PUT", "/api/v1/admin/catalog/models/glm-5", tenantKey, """
                        {"routes":[{"upstream":"dead","provider":"zhipu","region":"cn-beijing"}]}""")
                        .statusCode())
                .isEqualTo(403);
        assertThat(send("PUT", "/api/v1/admin/catalog/credentials/simulator", tenantKey, "{\"secret\":\"mine\"}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(chat("glm-5").statusCode()).as("unchanged").isEqualTo(200);
    }

    private HttpResponse<String> chat(String model) throws Exception {
        return send("POST", "/v1/chat/completions", tenantKey, """
                {"model":"%s","max_tokens":5,"messages":[{"role":"user","content":"hello"}]}""".formatted(model));
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(n -> texts.add(n.asString()));
        return texts;
    }

    private static List<String> pointers(HttpResponse<String> problem) {
        List<String> pointers = new ArrayList<>();
        JSON.readTree(problem.body())
                .get("errors")
                .forEach(e -> pointers.add(
                        e.has("pointer")
                                ? e.get("pointer").asString()
                                : e.get("parameter").asString()));
        return pointers;
    }

    private HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://localhost:" + environment.getProperty("local.server.port") + path))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
