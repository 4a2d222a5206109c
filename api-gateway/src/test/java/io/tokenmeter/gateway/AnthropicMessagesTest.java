package io.tokenmeter.gateway;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.HttpResponseFor;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.simulator.SimulatedUsage;
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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code POST /v1/messages} (Anthropic's Messages API, as GLM, Kimi and MiniMax serve it for coding agents):
 * conformance of the Anthropic usage shape, plain and streaming, cut streams, errors in Anthropic's shape, and
 * Anthropic's official Java SDK pointed at the gateway.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.profiles.active=routingtest")
@RealInfrastructure
class AnthropicMessagesTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static UpstreamSimulator simulator;

    @Autowired
    Environment environment;

    @Autowired
    ApiKeys keys;

    @Autowired
    JdbcTemplate jdbc;

    String tenantId;
    String tenantKey;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) throws Exception {
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    @BeforeEach
    void tenantWithKey() {
        tenantId = "ten_anthropic_" + System.nanoTime();
        jdbc.update(
                "INSERT INTO tenant (id, name, billing_country, currency, created_by) VALUES (?, 'Agents', 'SG', 'USD', 'test')",
                tenantId);
        tenantKey = keys.issue(Role.TENANT, tenantId, "agent", "test").key();
    }

    @Test
    void aMessageIsForwardedWithXApiKeyAndMeteredWithCacheReadsAndWritesApart() throws Exception {
        HttpResponse<String> response = post(tenantKey, """
                {"model":"glm-5","max_tokens":21,"system":"You are a coding agent.",
                 "messages":[{"role":"user","content":[{"type":"text","text":"refactor the billing module now"}]}],
                 "simulate":{"cached_tokens":5,"cache_write_tokens":3}}""");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("type").asString()).isEqualTo("message");
        JsonNode usage = body.get("usage");
        int prompt = 2 * SimulatedUsage.PER_MESSAGE
                + SimulatedUsage.words("You are a coding agent.")
                + SimulatedUsage.words("refactor the billing module now");
        assertThat(usage.get("input_tokens").asInt())
                .as("Anthropic's input excludes both cache classes")
                .isEqualTo(prompt - 5 - 3);
        assertThat(usage.get("cache_read_input_tokens").asInt()).isEqualTo(5);

        UsageEvent event = EmittedUsage.await(eventId(response));
        assertThat(event.tenantId()).isEqualTo(tenantId);
        assertThat(event.model()).isEqualTo("glm-5");
        assertThat(event.provider()).isEqualTo("zhipu");
        assertThat(event.inputTokens()).isEqualTo(prompt - 5 - 3);
        assertThat(event.cachedInputTokens()).isEqualTo(5);
        assertThat(event.cacheWriteTokens()).isEqualTo(3);
        assertThat(event.outputTokens()).isEqualTo(21);
        assertThat(event.estimated()).isFalse();
        assertThat(event.status()).isEqualTo(UsageStatus.SUCCEEDED);
    }

    @Test
    void aStreamIsRelayedWithItsEventNamesAndMeteredFromMessageStartAndMessageDelta() throws Exception {
        HttpResponse<InputStream> response = stream("""
                {"model":"minimax-m2.5","max_tokens":8,"stream":true,"simulate":{"cached_tokens":2},
                 "messages":[{"role":"user","content":"stream eight tokens"}]}""");
        assertThat(response.statusCode()).isEqualTo(200);
        List<String> lines = lines(response.body());
        assertThat(lines).contains("event: message_start", "event: message_delta", "event: message_stop");
        assertThat(lines.stream().filter(l -> l.contains("\"text_delta\""))).hasSize(8);

        UsageEvent event = EmittedUsage.await(eventId(response));
        assertThat(event.inputTokens()).isEqualTo(SimulatedUsage.PER_MESSAGE + 3 - 2);
        assertThat(event.cachedInputTokens()).isEqualTo(2);
        assertThat(event.outputTokens())
                .as("the final count of message_delta, not message_start's")
                .isEqualTo(8);
        assertThat(event.estimated()).isFalse();
        assertThat(event.status()).isEqualTo(UsageStatus.SUCCEEDED);
    }

    @Test
    void aProviderThatReportsTheInputOnlyInMessageDeltaIsMeteredWithIt() throws Exception {
        HttpResponse<InputStream> response = stream("""
                {"model":"glm-5","max_tokens":4,"stream":true,"simulate":{"input_in_delta":true,"cache_write_tokens":2},
                 "messages":[{"role":"user","content":"input comes last here"}]}""");
        lines(response.body());
        UsageEvent event = EmittedUsage.await(eventId(response));
        assertThat(event.inputTokens()).isEqualTo(SimulatedUsage.PER_MESSAGE + 4 - 2);
        assertThat(event.cacheWriteTokens()).isEqualTo(2);
        assertThat(event.outputTokens()).isEqualTo(4);
        assertThat(event.estimated()).isFalse();
    }

    @Test
    void aStreamCutAfterMessageStartKeepsTheReportedPromptAndEstimatesTheOutput() throws Exception {
        HttpResponse<InputStream> response = stream("""
                {"model":"kimi-k2","max_tokens":60,"stream":true,"simulate":{"die_after_tokens":7,"token_delay_ms":15,"cached_tokens":1},
                 "messages":[{"role":"user","content":"crash after seven tokens please"}]}""");
        try {
            lines(response.body());
        } catch (IOException cut) {
            // the client may see the cut too
        }
        UsageEvent event = EmittedUsage.await(eventId(response));
        assertThat(event.status()).isEqualTo(UsageStatus.FAILED);
        assertThat(event.estimated()).isTrue();
        assertThat(event.inputTokens()).as("exact, from message_start").isEqualTo(SimulatedUsage.PER_MESSAGE + 5 - 1);
        assertThat(event.cachedInputTokens()).isEqualTo(1);
        assertThat(event.outputTokens()).isBetween(7L, 30L);
    }

    @Test
    void aPlainMessageWithoutUsageIsMeteredByEstimate() throws Exception {
        HttpResponse<String> response = post(tenantKey, """
                {"model":"glm-5","max_tokens":25,"simulate":{"omit_usage":true},
                 "messages":[{"role":"user","content":"no usage in this answer"}]}""");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        UsageEvent event = EmittedUsage.await(eventId(response));
        assertThat(event.estimated()).isTrue();
        assertThat(event.inputTokens()).isPositive();
        assertThat(event.outputTokens()).isBetween(15L, 50L);
    }

    @Test
    void errorsAreInAnthropicsShape() throws Exception {
        assertAnthropicError(post("tm_wrong", "{}"), 401, "authentication_error");
        assertAnthropicError(
                post(tenantKey, "{\"model\":\"glm-5\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                400,
                "invalid_request_error");
        HttpResponse<String> noAnthropicEndpoint = post(
                tenantKey,
                "{\"model\":\"deepseek-v3.2\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertAnthropicError(noAnthropicEndpoint, 404, "not_found_error");
        assertThat(noAnthropicEndpoint.body()).contains("/v1/chat/completions");
        HttpResponse<String> upstreamError = post(
                tenantKey,
                "{\"model\":\"glm-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"simulate\":{\"status\":429}}");
        assertAnthropicError(upstreamError, 429, "upstream_error");
        assertThat(upstreamError.headers().firstValue("x-tokenmeter-usage-event-id"))
                .isEmpty();
    }

    @Test
    void theOfficialSdkSeesTheUsageTheGatewayMeters() {
        AnthropicClient client = sdk(tenantKey);
        HttpResponseFor<Message> raw = client.messages()
                .withRawResponse()
                .create(MessageCreateParams.builder()
                        .model("glm-5")
                        .maxTokens(13)
                        .system("Be brief.")
                        .addUserMessage("hello from the Anthropic SDK")
                        .build());
        Message message = raw.parse();
        UsageEvent event = EmittedUsage.await(UUID.fromString(
                raw.headers().values("x-tokenmeter-usage-event-id").getFirst()));
        assertThat(event.inputTokens()).isEqualTo(message.usage().inputTokens());
        assertThat(event.outputTokens())
                .isEqualTo(message.usage().outputTokens())
                .isEqualTo(13);
        assertThat(event.cachedInputTokens())
                .isEqualTo(message.usage().cacheReadInputTokens().orElse(0L));
    }

    @Test
    void theOfficialSdkStreamsThroughTheGateway() {
        List<RawMessageStreamEvent> events = new ArrayList<>();
        HttpResponseFor<StreamResponse<RawMessageStreamEvent>> raw = sdk(tenantKey)
                .messages()
                .withRawResponse()
                .createStreaming(MessageCreateParams.builder()
                        .model("kimi-k2")
                        .maxTokens(5)
                        .addUserMessage("stream through the SDK")
                        .build());
        try (StreamResponse<RawMessageStreamEvent> stream = raw.parse()) {
            stream.stream().forEach(events::add);
        }
        assertThat(events.getFirst().isMessageStart()).isTrue();
        assertThat(events.getLast().isMessageStop()).isTrue();
        long output = events.stream()
                .filter(RawMessageStreamEvent::isMessageDelta)
                .findFirst()
                .orElseThrow()
                .asMessageDelta()
                .usage()
                .outputTokens();
        long input = events.getFirst().asMessageStart().message().usage().inputTokens();
        UsageEvent event = EmittedUsage.await(UUID.fromString(
                raw.headers().values("x-tokenmeter-usage-event-id").getFirst()));
        assertThat(event.outputTokens()).isEqualTo(output).isEqualTo(5);
        assertThat(event.inputTokens()).isEqualTo(input);
        assertThat(event.region())
                .as("kimi-k2 fell back from its dead cn-beijing route")
                .isEqualTo("sg");
    }

    @Test
    void theSdkUnderstandsTheGatewaysErrors() {
        assertThatThrownBy(() -> sdk("tm_wrong")
                        .messages()
                        .create(MessageCreateParams.builder()
                                .model("glm-5")
                                .maxTokens(5)
                                .addUserMessage("x")
                                .build()))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> sdk(tenantKey)
                        .messages()
                        .create(MessageCreateParams.builder()
                                .model("no-such-model")
                                .maxTokens(5)
                                .addUserMessage("x")
                                .build()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("no-such-model");
    }

    private AnthropicClient sdk(String key) {
        return AnthropicOkHttpClient.builder()
                .baseUrl(gateway())
                .apiKey(key)
                .maxRetries(0)
                .build();
    }

    private String gateway() {
        return "http://localhost:" + environment.getProperty("local.server.port");
    }

    private HttpResponse<String> post(String key, String body) throws Exception {
        return HTTP.send(request(key, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<InputStream> stream(String body) throws Exception {
        return HTTP.send(request(tenantKey, body).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private HttpRequest.Builder request(String key, String body) {
        return HttpRequest.newBuilder(URI.create(gateway() + "/v1/messages"))
                .header("x-api-key", key)
                .header("anthropic-version", "2023-06-01")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static UUID eventId(HttpResponse<?> response) {
        return UUID.fromString(
                response.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow());
    }

    private static List<String> lines(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = reader.readLine()) != null; ) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static void assertAnthropicError(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("type").asString()).as(response.body()).isEqualTo("error");
        assertThat(body.get("error").get("type").asString()).isEqualTo(type);
        assertThat(body.get("error").get("message").asString()).isNotBlank();
    }
}
