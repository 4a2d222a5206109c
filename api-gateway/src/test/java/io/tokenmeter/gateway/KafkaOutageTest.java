package io.tokenmeter.gateway;

import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.localstack.KafkaBroker;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.localstack.TopicDefinitions;
import io.tokenmeter.simulator.UpstreamSimulator;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Stop the broker, keep calling, start it again: every call's usage event reaches Kafka. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.profiles.active=routingtest",
            "tokenmeter.test.own-kafka=true",
            "tokenmeter.gateway.spool.drain-every=300ms"
        })
@RealInfrastructure
class KafkaOutageTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path LIB = Path.of("../infra/kafka-broker/target/lib");
    private static UpstreamSimulator simulator;
    private static KafkaBroker broker;
    private static Path brokerDir;
    private static StackConfig.Ports ports;

    @Autowired
    Environment environment;

    @DynamicPropertySource
    static void ownBroker(DynamicPropertyRegistry registry) throws Exception {
        ports = StackConfig.Ports.free();
        brokerDir = Files.createTempDirectory("tokenmeter-outage-kafka");
        broker = KafkaBroker.start(
                LIB, brokerDir, ports.kafka(), ports.kafkaController(), brokerDir.resolve("kafka.log"));
        TopicDefinitions.createMissing(broker.bootstrapServers());
        registry.add("spring.kafka.bootstrap-servers", () -> "127.0.0.1:" + ports.kafka());
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
    }

    @AfterAll
    static void stop() {
        simulator.close();
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void callsDuringABrokerOutageAreSpooledAndReplayedWhenItReturns() throws Exception {
        String tenant = JSON.readTree(post(
                                "/api/v1/admin/tenants",
                                ADMIN_KEY,
                                "{\"name\":\"Outage\",\"billing_country\":\"SG\",\"currency\":\"SGD\"}")
                        .body())
                .get("id")
                .asString();
        String key = JSON.readTree(post("/api/v1/admin/tenants/" + tenant + "/api-keys", ADMIN_KEY, "{\"name\":\"k\"}")
                        .body())
                .get("key")
                .asString();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            ids.add(call(key));
        }

        broker.close(); // SIGTERM: the broker is gone, its data stays
        for (int i = 0; i < 5; i++) {
            ids.add(call(key)); // the gateway keeps serving
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> health().contains("\"WARNING\""));

        broker = KafkaBroker.start(
                LIB, brokerDir, ports.kafka(), ports.kafkaController(), brokerDir.resolve("kafka.log"));
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> health().contains("\"UP\""));

        assertThat(ids).hasSize(7);
        assertThat(eventIdsInKafka(tenant)).containsAll(ids);
    }

    private String call(String key) throws Exception {
        HttpResponse<String> r = post(
                "/v1/chat/completions",
                key,
                "{\"model\":\"glm-5\",\"messages\":[{\"role\":\"user\",\"content\":\"during the outage\"}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow();
    }

    private Set<String> eventIdsInKafka(String tenant) {
        Set<String> found = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "outage-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(UsageTopics.USAGE_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline && found.size() < 7) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    var event = UsageEventCodec.decode(r.value()).event();
                    if (event != null && event.tenantId().equals(tenant)) {
                        found.add(event.eventId().toString());
                    }
                }
            }
        }
        return found;
    }

    private String health() throws Exception {
        return LocalServer.of(environment).health();
    }

    private HttpResponse<String> post(String path, String key, String body) throws Exception {
        return LocalServer.of(environment).post(path, key, body);
    }
}
