package io.tokenmeter.gateway;

import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.gateway.spool.TinyFilesystem;
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
import org.junit.jupiter.api.BeforeAll;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The spool on a real 320 KB filesystem, filled up by another writer while Kafka is down and calls keep coming: every
 * call is either refused with 503 before its upstream is called, or served and its usage event reaches Kafka once
 * the broker is back; no event of a refused call exists, and no served call's event is missing.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.profiles.active=routingtest",
            "tokenmeter.test.own-kafka=true",
            "tokenmeter.gateway.spool.drain-every=300ms",
            "tokenmeter.gateway.spool.segment-bytes=64KB",
            "tokenmeter.gateway.spool.min-free-bytes=0"
        })
@RealInfrastructure
class SpoolDiskFullTest {

    static final String ADMIN_KEY = ApiKeys.newClearKey();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Path LIB = Path.of("../infra/kafka-broker/target/lib");
    private static UpstreamSimulator simulator;
    private static KafkaBroker broker;
    private static Path brokerDir;
    private static Path tiny;
    private static StackConfig.Ports ports;

    @Autowired
    Environment environment;

    @DynamicPropertySource
    static void ownBrokerAndATinyDisk(DynamicPropertyRegistry registry) throws Exception {
        ports = StackConfig.Ports.free();
        brokerDir = Files.createTempDirectory("tokenmeter-diskfull-kafka");
        broker = KafkaBroker.start(
                LIB, brokerDir, ports.kafka(), ports.kafkaController(), brokerDir.resolve("kafka.log"));
        TopicDefinitions.createMissing(broker.bootstrapServers());
        registry.add("spring.kafka.bootstrap-servers", () -> "127.0.0.1:" + ports.kafka());
        registry.add(
                "tokenmeter.gateway.spool.directory",
                () -> tiny.resolve("spool").toString()); // mounted before the context starts
        simulator = SimulatedUpstreams.start(registry, ADMIN_KEY);
    }

    @BeforeAll
    static void tinyDisk() throws Exception {
        tiny = TinyFilesystem.mount(Files.createTempDirectory("tokenmeter-tiny-disk"), "320k");
    }

    @AfterAll
    static void stop() throws Exception {
        simulator.close();
        if (broker != null) {
            broker.close();
        }
        if (tiny != null) {
            TinyFilesystem.unmount(tiny);
        }
    }

    @Test
    void onAFullDiskDuringAKafkaOutageEveryCallIsRefusedBeforeItsUpstreamOrMetered() throws Exception {
        String tenant = JSON.readTree(post(
                                "/api/v1/admin/tenants",
                                ADMIN_KEY,
                                "{\"name\":\"Full disk\",\"billing_country\":\"SG\",\"currency\":\"SGD\"}")
                        .body())
                .get("id")
                .asString();
        String key = JSON.readTree(post("/api/v1/admin/tenants/" + tenant + "/api-keys", ADMIN_KEY, "{\"name\":\"k\"}")
                        .body())
                .get("key")
                .asString();
        Set<String> served = new HashSet<>();
        served.add(call(key).headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow());

        broker.close();
        served.add(
                call(key).headers().firstValue("x-tokenmeter-usage-event-id").orElseThrow()); // Kafka will not take it
        await().atMost(Duration.ofSeconds(60)).until(() -> health().contains("\"WARNING\""));

        long upstreamBefore = simulator.requests();
        int refused = 0;
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        Path filler = tiny.resolve("filler");
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            for (int i = 0; i < 400; i++) {
                calls.add(pool.submit(() -> call(key)));
                if (i == 60) { // another writer takes every byte left on the disk
                    try (var out = Files.newOutputStream(filler)) {
                        byte[] block = new byte[4096];
                        while (true) {
                            out.write(block);
                            out.flush();
                        }
                    } catch (java.io.IOException full) {
                        // the disk is full
                    }
                }
            }
        }
        for (Future<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get();
            if (response.statusCode() == 200) {
                served.add(response.headers()
                        .firstValue("x-tokenmeter-usage-event-id")
                        .orElseThrow());
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
                assertThat(JSON.readTree(response.body())
                                .get("error")
                                .get("code")
                                .asString())
                        .isEqualTo("usage_recording_unavailable");
                refused++;
            }
        }
        int servedDuringOutage = 400 - refused;
        assertThat(refused).as("the full disk refused calls").isPositive();
        assertThat(servedDuringOutage)
                .as("calls were served while there was room")
                .isPositive();
        assertThat(simulator.requests() - upstreamBefore)
                .as("no refused call reached its upstream")
                .isEqualTo(servedDuringOutage);

        Files.delete(filler);
        broker = KafkaBroker.start(
                LIB, brokerDir, ports.kafka(), ports.kafkaController(), brokerDir.resolve("kafka.log"));
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> health().contains("\"UP\""));

        assertThat(served).hasSize(servedDuringOutage + 2);
        assertThat(eventIdsInKafka(tenant, served.size()))
                .as("every served call's event, and no other")
                .isEqualTo(served);
    }

    private HttpResponse<String> call(String key) throws Exception {
        return post(
                "/v1/chat/completions",
                key,
                "{\"model\":\"glm-5\",\"messages\":[{\"role\":\"user\",\"content\":\"while the disk fills\"}]}");
    }

    private Set<String> eventIdsInKafka(String tenant, int expected) {
        Set<String> found = new HashSet<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "diskfull-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(UsageTopics.USAGE_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long quietUntil = 0;
            while (System.nanoTime() < deadline && (found.size() < expected || System.nanoTime() < quietUntil)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    var event = UsageEventCodec.decode(r.value()).event();
                    if (event != null && event.tenantId().equals(tenant)) {
                        found.add(event.eventId().toString());
                    }
                }
                if (found.size() >= expected && quietUntil == 0) {
                    quietUntil = System.nanoTime() + Duration.ofSeconds(2).toNanos(); // anything extra would show now
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
