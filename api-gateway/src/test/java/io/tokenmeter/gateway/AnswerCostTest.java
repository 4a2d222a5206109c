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
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each answer carries its cost, priced from the tenant's rate card (here a stub of pricing's rate-card endpoint, so
 * the rates are known exactly): usage.cost and usage.cost_details in a plain answer and its x-tokenmeter-cost header,
 * in a stream's final usage chunk and in an Anthropic stream's message_delta; a tenant without a price gets a reason
 * and no cost, never zero.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.profiles.active=routingtest", "tokenmeter.gateway.prices.show-cost=true"})
@RealInfrastructure
class AnswerCostTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static UpstreamSimulator simulator;
    private static HttpServer pricing;
    /** tenant id to the rate card pricing gives it; a tenant not here has no price book (404). */
    private static final Map<String, String> CARDS = new ConcurrentHashMap<>();

    private static final Map<String, java.util.concurrent.atomic.AtomicInteger> ASKED = new ConcurrentHashMap<>();

    @Autowired
    Environment environment;

    String tenantId;
    String tenantKey;

    @DynamicPropertySource
    static void upstreams(DynamicPropertyRegistry registry) throws Exception {
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
        pricing = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        pricing.createContext("/api/v1/rating/rate-card", exchange -> {
            String caller = exchange.getRequestHeaders().getFirst("X-TokenMeter-Caller");
            String tenant = caller == null ? "" : caller.substring(caller.lastIndexOf(';') + 1);
            ASKED.computeIfAbsent(tenant, t -> new java.util.concurrent.atomic.AtomicInteger())
                    .incrementAndGet();
            String card = CARDS.get(tenant);
            byte[] body = (card != null
                            ? card
                            : "{\"title\":\"Not Found\",\"status\":404,\"detail\":\"no price book is in force for "
                                    + tenant + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(card != null ? 200 : 404, body.length);
            exchange.getResponseBody().write(body);
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
                "/api/v1/admin/tenants",
                ADMIN_KEY,
                "{\"name\":\"Acme\",\"billing_country\":\"DE\",\"currency\":\"EUR\"}",
                HttpResponse.BodyHandlers.ofString());
        assertThat(tenant.statusCode()).as(tenant.body()).isEqualTo(201);
        tenantId = JSON.readTree(tenant.body()).get("id").asString();
        HttpResponse<String> key = send(
                "/api/v1/admin/tenants/" + tenantId + "/api-keys",
                ADMIN_KEY,
                "{\"name\":\"ci\"}",
                HttpResponse.BodyHandlers.ofString());
        tenantKey = JSON.readTree(key.body()).get("key").asString();
    }

    /** EUR rates per million tokens now: deepseek input 0.25, cached 0.025, output 1.10; glm-5 (Anthropic) 0.6/2.2. */
    private void priced() {
        CARDS.put(tenantId, """
                {"tenant_id":"%s","at":"2026-12-05T00:00:00Z","currency":"EUR","valid_until":null,
                 "price_book_id":"pb_test","price_book_version":3,"fx_rate":0.92,"off_peak":false,"rates":[
                 {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","max_rate_per_million":0.5,
                  "rate_per_million_now":0.25},
                 {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"cached_input","max_rate_per_million":0.05,
                  "rate_per_million_now":0.025},
                 {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","max_rate_per_million":2.2,
                  "rate_per_million_now":1.10},
                 {"model":"glm-5","region":"cn-beijing","token_class":"input","max_rate_per_million":0.6,
                  "rate_per_million_now":0.6},
                 {"model":"glm-5","region":"cn-beijing","token_class":"output","max_rate_per_million":2.2,
                  "rate_per_million_now":2.2}]}""".formatted(tenantId));
    }

    @Test
    void aPlainAnswerCarriesItsCostInItsUsageAndAHeader() throws Exception {
        priced();
        HttpResponse<String> response =
                send("/v1/chat/completions", tenantKey, """
                {"model":"deepseek-v3.2","max_tokens":40,"messages":[{"role":"user","content":"what does this cost"}],
                 "simulate":{"cached_tokens":3}}""", HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageEvent event = EmittedUsage.await(UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()));
        BigDecimal input = new BigDecimal("0.25").multiply(BigDecimal.valueOf(event.inputTokens()));
        BigDecimal cached = new BigDecimal("0.025").multiply(BigDecimal.valueOf(event.cachedInputTokens()));
        BigDecimal output = new BigDecimal("1.10").multiply(BigDecimal.valueOf(event.outputTokens()));
        BigDecimal expected = input.add(cached).add(output).movePointLeft(6);

        JsonNode usage = JSON.readTree(response.body()).get("usage");
        assertThat(usage.get("cost").decimalValue()).isEqualByComparingTo(expected);
        assertThat(response.body()).doesNotContain("E-"); // plain decimals, never 4.12E-5
        JsonNode details = usage.get("cost_details");
        assertThat(details.get("currency").asString()).isEqualTo("EUR");
        assertThat(details.get("input").decimalValue()).isEqualByComparingTo(input.movePointLeft(6));
        assertThat(details.get("cached_input").decimalValue()).isEqualByComparingTo(cached.movePointLeft(6));
        assertThat(details.get("cache_write").decimalValue()).isZero();
        assertThat(details.get("output").decimalValue()).isEqualByComparingTo(output.movePointLeft(6));
        assertThat(details.get("price_book_id").asString()).isEqualTo("pb_test");
        assertThat(details.get("price_book_version").asInt()).isEqualTo(3);
        assertThat(details.get("off_peak").asBoolean()).isFalse();
        assertThat(response.headers().firstValue("x-tokenmeter-cost"))
                .hasValue(expected.stripTrailingZeros().toPlainString() + " EUR");
        // the request log shows what the answer showed
        assertThat(event.cost()).isEqualByComparingTo(expected);
        assertThat(event.costCurrency()).isEqualTo("EUR");
    }

    @Test
    void aStreamCarriesItsCostInTheFinalUsageChunkAndAnAnthropicStreamInMessageDelta() throws Exception {
        priced();
        HttpResponse<InputStream> openAi =
                send("/v1/chat/completions", tenantKey, """
                {"model":"deepseek-v3.2","stream":true,"stream_options":{"include_usage":true},"max_tokens":9,
                 "messages":[{"role":"user","content":"stream the cost"}]}""", HttpResponse.BodyHandlers.ofInputStream());
        assertThat(openAi.statusCode()).isEqualTo(200);
        List<String> data = dataLines(openAi.body());
        JsonNode usageChunk = JSON.readTree(data.get(data.size() - 2));
        JsonNode usage = usageChunk.get("usage");
        long prompt = usage.get("prompt_tokens").asLong();
        long completion = usage.get("completion_tokens").asLong();
        BigDecimal expected = new BigDecimal("0.25")
                .multiply(BigDecimal.valueOf(prompt))
                .add(new BigDecimal("1.10").multiply(BigDecimal.valueOf(completion)))
                .movePointLeft(6);
        assertThat(usage.get("cost").decimalValue()).isEqualByComparingTo(expected);
        assertThat(usage.get("cost_details").get("currency").asString()).isEqualTo("EUR");

        HttpResponse<InputStream> anthropic =
                send("/v1/messages", tenantKey, """
                {"model":"glm-5","stream":true,"max_tokens":7,"messages":[{"role":"user","content":"and in Anthropic's"}]}""", HttpResponse.BodyHandlers.ofInputStream());
        assertThat(anthropic.statusCode()).isEqualTo(200);
        JsonNode delta = null;
        long anthropicInput = 0; // reported in message_start; message_delta carries the output
        for (String line : dataLines(anthropic.body())) {
            JsonNode event = JSON.readTree(line);
            if ("message_start".equals(event.path("type").asString())) {
                anthropicInput =
                        event.path("message").path("usage").path("input_tokens").asLong();
            }
            if ("message_delta".equals(event.path("type").asString())) {
                delta = event;
            }
        }
        assertThat(anthropicInput).isPositive();
        assertThat(delta).isNotNull();
        JsonNode counts = delta.get("usage");
        assertThat(counts.get("cost").decimalValue())
                .isEqualByComparingTo(new BigDecimal("2.2")
                        .multiply(BigDecimal.valueOf(counts.get("output_tokens").asLong()))
                        .add(new BigDecimal("0.6")
                                .multiply(BigDecimal.valueOf(
                                        counts.has("input_tokens")
                                                ? counts.get("input_tokens").asLong()
                                                : anthropicInput)))
                        .movePointLeft(6));
    }

    @Test
    void aCallThatCannotBePricedSaysWhyAndCarriesNoCost() throws Exception {
        // no rate card for this tenant: pricing answers 404
        HttpResponse<String> response = send(
                "/v1/chat/completions",
                tenantKey,
                "{\"model\":\"deepseek-v3.2\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"free?\"}]}",
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode usage = JSON.readTree(response.body()).get("usage");
        assertThat(usage.has("cost")).as("never zero: no cost at all").isFalse();
        assertThat(usage.get("cost_details").get("unpriced").asString()).contains("no price book");
        assertThat(response.headers().firstValue("x-tokenmeter-cost")).isEmpty();
        UsageEvent unpriced = EmittedUsage.await(UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()));
        assertThat(unpriced.cost()).isNull();
        assertThat(unpriced.costCurrency()).isNull();
        HttpResponse<String> again = send(
                "/v1/chat/completions",
                tenantKey,
                "{\"model\":\"deepseek-v3.2\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"still?\"}]}",
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(again.body())
                        .get("usage")
                        .get("cost_details")
                        .get("unpriced")
                        .asString())
                .contains("no price book");
        assertThat(ASKED.get(tenantId).get())
                .as("pricing's 'no price' is kept for unpriced-ttl: the second call does not ask again")
                .isEqualTo(1);

        // a model the card has no price for (another tenant, whose card is priced)
        tenantWithKey();
        priced();
        HttpResponse<String> qwen = send(
                "/v1/chat/completions",
                tenantKey,
                "{\"model\":\"qwen3-max\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"and this?\"}]}",
                HttpResponse.BodyHandlers.ofString());
        JsonNode qwenUsage = JSON.readTree(qwen.body()).get("usage");
        assertThat(qwenUsage.has("cost")).isFalse();
        assertThat(qwenUsage.get("cost_details").get("unpriced").asString()).contains("qwen3-max");
    }

    private <T> HttpResponse<T> send(String path, String key, String body, HttpResponse.BodyHandler<T> handler)
            throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://localhost:" + environment.getProperty("local.server.port") + path))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                handler);
    }

    private static List<String> dataLines(InputStream in) throws Exception {
        List<String> data = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith("data: ")) {
                data.add(line.substring(6));
            }
        }
        return data;
    }
}
