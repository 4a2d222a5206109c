package io.tokenmeter.gateway;

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
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Reads the usage events the gateway emitted from the test run's real broker. */
final class EmittedUsage {

    private EmittedUsage() {
    }

    /** The event with this id, checking it was keyed by its tenant; fails after 30 s. */
    static UsageEvent await(UUID eventId) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, SharedInfrastructure.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class))) {
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
}
