package io.tokenmeter.gateway;

import io.tokenmeter.contracts.tenants.TenantProfileChanged;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.testsupport.SharedInfrastructure;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads what the gateway emitted (usage events, tenant profiles) from the test run's real broker. */
final class EmittedUsage {

    private EmittedUsage() {}

    /** The event with this id, checking it was keyed by its tenant; fails after 30 s. */
    static UsageEvent await(UUID eventId) {
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(UsageTopics.USAGE_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    UsageEvent event = UsageEventCodec.decode(record.value()).event();
                    if (event != null && event.eventId().equals(eventId)) {
                        assertThat(record.key()).as("keyed by tenant").isEqualTo(event.tenantId());
                        return event;
                    }
                }
            }
        }
        throw new AssertionError("usage event " + eventId + " never arrived on " + UsageTopics.USAGE_EVENTS);
    }

    /** The first {@code count} profiles published for a tenant, in order; fails after 30 s. */
    static List<TenantProfileChanged> tenantProfiles(String tenantId, int count) {
        return keyed(TenantProfileChanged.TOPIC, tenantId, count, TenantProfileChanged::fromJson);
    }

    private static <T> List<T> keyed(
            String topic, String key, int count, java.util.function.Function<byte[], T> decode) {
        List<T> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && found.size() < count) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (key.equals(record.key())) {
                        found.add(decode.apply(record.value()));
                    }
                }
            }
        }
        assertThat(found).as("records of " + key + " on " + topic).hasSizeGreaterThanOrEqualTo(count);
        return found.subList(0, count);
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class));
    }
}
