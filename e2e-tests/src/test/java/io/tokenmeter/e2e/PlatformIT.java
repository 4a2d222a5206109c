package io.tokenmeter.e2e;

import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.localstack.LocalStack;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.testsupport.SharedInfrastructure;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The platform as ./infra/start runs it: separate processes, real broker, real database. */
class PlatformIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LocalStack stack;

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = Path.of(System.getProperty("tokenmeter.home", "..")).toAbsolutePath().normalize();
        Path state = home.resolve("e2e-tests/target/stack");
        if (Files.exists(state)) {
            try (Stream<Path> files = Files.walk(state)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        stack = LocalStack.start(new StackConfig(home, state, StackConfig.Ports.free(),
                SharedInfrastructure.kafkaBootstrapServers(), SharedInfrastructure.postgres()));
    }

    @AfterAll
    static void stopPlatform() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void chatCompletionsThroughTheGatewayShowInUsageWithExactTokenCounts() throws Exception {
        String key = stack.demo("TENANT_API_KEY");
        long prompt = 0;
        long completion = 0;
        for (String model : new String[]{"deepseek-v3.2", "glm-5", "deepseek-v3.2"}) {
            HttpResponse<String> response = send("POST", "/v1/chat/completions", key, """
                    {"model":"%s","max_tokens":25,"messages":[{"role":"user","content":"How many tokens is this question?"}]}"""
                    .formatted(model));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode usage = JSON.readTree(response.body()).get("usage");
            prompt += usage.get("prompt_tokens").asLong();
            completion += usage.get("completion_tokens").asLong();
        }
        long expectedPrompt = prompt;
        long expectedCompletion = completion;

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            JsonNode rows = usage(key, "group_by=model&granularity=month", "").get("data");
            assertThat(rows).hasSize(2);
            long input = 0;
            long output = 0;
            for (JsonNode row : rows) {
                input += row.get("input_tokens").asLong();
                output += row.get("output_tokens").asLong();
            }
            assertThat(input).isEqualTo(expectedPrompt);
            assertThat(output).isEqualTo(expectedCompletion);
            assertThat(rows.get(0).get("model").asString()).isEqualTo("deepseek-v3.2");
            assertThat(rows.get(0).get("requests").asLong()).isEqualTo(2);
        });
    }

    @Test
    void aTenantCannotReadAnotherTenantsUsageThroughTheGateway() throws Exception {
        String a = stack.demo("TENANT_ID");
        String keyB = stack.demo("TENANT_B_API_KEY");
        assertThat(send("GET", "/api/v1/usage?tenant_id=" + a, keyB, null).statusCode()).isEqualTo(403);

        // a caller header the client forges is replaced by the gateway's own, signed one
        HttpResponse<String> forged = HTTP.send(HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/v1/usage"))
                .header("Authorization", "Bearer " + keyB)
                .header("X-TokenMeter-Caller", "v1;" + Instant.now().getEpochSecond() + ";TENANT;x;" + a)
                .header("X-TokenMeter-Caller-Signature", "forged").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(forged.body()).get("tenant_id").asString()).isEqualTo(stack.demo("TENANT_B_ID"));

        assertThat(send("GET", "/api/v1/usage", "tm_wrong", null).statusCode()).isEqualTo(401);
    }

    @Test
    void killingTheMeteringConsumerMidStreamLosesAndDoubleCountsNothing() throws Exception {
        String tenant = "crash-" + EventIds.newEventId();
        int events = 40_000;
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        CompletableFuture<Void> producing;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
            // about 8 s of traffic, so the kill lands in the middle of it
            producing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < events; i++) {
                    UsageEvent e = new UsageEvent(1, EventIds.newEventId(), tenant, "k", "glm-5", "zhipu", "cn-beijing",
                            i % 7, i % 3, 0, 1, 0, false, null, UsageStatus.SUCCEEDED, 5, hour.plusMillis(i));
                    producer.send(new ProducerRecord<>(UsageTopics.USAGE_EVENTS, tenant, UsageEventCodec.toJson(e)));
                    if (i % 500 == 499) {
                        sleep(100);
                    }
                }
                producer.flush();
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> requests(tenant) > 0);
            long countedBeforeKill = requests(tenant);
            try {
                stack.kill("metering-service");
            } finally {
                stack.restart("metering-service");
            }
            producing.get();
            assertThat(countedBeforeKill).as("the kill came mid-stream").isLessThan(events);
        }
        long expectedInput = 0;
        long expectedCached = 0;
        for (int i = 0; i < events; i++) {
            expectedInput += i % 7;
            expectedCached += i % 3;
        }
        long input = expectedInput;
        long cached = expectedCached;
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode row = usage(stack.demo("FINANCE_API_KEY"), "granularity=month", "&tenant_id=" + tenant).get("data").get(0);
            assertThat(row.get("requests").asLong()).isEqualTo(events);
            assertThat(row.get("output_tokens").asLong()).isEqualTo(events);
            assertThat(row.get("input_tokens").asLong()).isEqualTo(input);
            assertThat(row.get("cached_input_tokens").asLong()).isEqualTo(cached);
        });
        sleep(3000); // anything still in flight would now show as a double count
        assertThat(usage(stack.demo("FINANCE_API_KEY"), "granularity=month", "&tenant_id=" + tenant)
                .get("data").get(0).get("requests").asLong()).isEqualTo(events);
    }

    private static long requests(String tenant) throws Exception {
        JsonNode data = usage(stack.demo("FINANCE_API_KEY"), "granularity=month", "&tenant_id=" + tenant).get("data");
        return data.isEmpty() ? 0 : data.get(0).get("requests").asLong();
    }

    private static JsonNode usage(String key, String query, String extra) throws Exception {
        HttpResponse<String> response = send("GET", "/api/v1/usage?" + query + extra, key, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + path))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
