package io.tokenmeter.gateway;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.simulator.UpstreamSimulator;
import io.tokenmeter.testsupport.RealInfrastructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java SDK against the gateway: what it sees as usage is what the gateway emits. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "spring.profiles.active=routingtest")
@RealInfrastructure
class OpenAiSdkTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static UpstreamSimulator simulator;

    @Autowired
    Environment environment;

    @Autowired
    ApiKeys keys;

    @Autowired
    JdbcTemplate jdbc;

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) throws Exception {
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        simulator.close();
    }

    private OpenAIClient client(String key) {
        String tenant = "ten_sdk_" + System.nanoTime();
        jdbc.update(
                "INSERT INTO tenant (id, name, billing_country, currency, created_by) VALUES (?, 'SDK', 'US', 'USD', 'test') ON CONFLICT DO NOTHING",
                tenant);
        String apiKey = key != null
                ? key
                : keys.issue(io.tokenmeter.contracts.identity.Role.TENANT, tenant, "sdk", "test")
                        .key();
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://localhost:" + environment.getProperty("local.server.port") + "/v1")
                .apiKey(apiKey)
                .maxRetries(0)
                .build();
    }

    @Test
    void aPlainCallThroughTheSdkReportsTheUsageTheGatewayMeters() {
        ChatCompletion completion = client(null)
                .chat()
                .completions()
                .create(ChatCompletionCreateParams.builder()
                        .model("glm-5")
                        .maxCompletionTokens(11)
                        .addUserMessage("hello from the official SDK")
                        .build());
        assertThat(completion.usage()).isPresent();
        assertThat(completion.usage().get().completionTokens()).isEqualTo(11);
        assertThat(completion.choices().getFirst().message().content()).isPresent();
    }

    @Test
    void aStreamThroughTheSdkEndsWithTheUsageWhenAskedFor() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client(null)
                .chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("deepseek-v3.2")
                        .maxCompletionTokens(6)
                        .addUserMessage("stream through the SDK")
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            stream.stream().forEach(chunks::add);
        }
        assertThat(chunks).hasSizeGreaterThan(6);
        assertThat(chunks.getLast().usage()).isPresent();
        assertThat(chunks.getLast().usage().get().completionTokens()).isEqualTo(6);
    }

    @Test
    void theSdkUnderstandsTheGatewaysErrors() {
        assertThatThrownBy(() -> client("tm_wrong")
                        .chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("glm-5")
                                .addUserMessage("x")
                                .build()))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> client(null)
                        .chat()
                        .completions()
                        .create(ChatCompletionCreateParams.builder()
                                .model("no-such-model")
                                .addUserMessage("x")
                                .build()))
                .isInstanceOf(NotFoundException.class)
                .hasMessageContaining("no-such-model");
    }
}
