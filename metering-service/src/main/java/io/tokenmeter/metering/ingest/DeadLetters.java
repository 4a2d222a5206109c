package io.tokenmeter.metering.ingest;

import io.tokenmeter.contracts.usage.UsageTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends refused events to the dead-letter topic, unchanged, with the reason and origin in headers, and waits
 * for the broker's acknowledgement: the consumer's offset moves past a refused event only once it is safe
 * there. A crash between the two can send it twice; the dead-letter topic is at-least-once.
 */
@Component
class DeadLetters {

    private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

    record Refused(ConsumerRecord<byte[], byte[]> record, String reason) {}

    private final KafkaTemplate<byte[], byte[]> kafka;

    DeadLetters(KafkaTemplate<byte[], byte[]> kafka) {
        this.kafka = kafka;
    }

    void publish(List<Refused> refused) {
        if (refused.isEmpty()) {
            return;
        }
        List<CompletableFuture<SendResult<byte[], byte[]>>> sends = new ArrayList<>(refused.size());
        for (Refused r : refused) {
            ConsumerRecord<byte[], byte[]> origin = r.record();
            ProducerRecord<byte[], byte[]> record =
                    new ProducerRecord<>(UsageTopics.USAGE_EVENTS_DEAD_LETTER, origin.key(), origin.value());
            record.headers().add(UsageTopics.REASON_HEADER, r.reason().getBytes(StandardCharsets.UTF_8));
            record.headers()
                    .add(
                            UsageTopics.SOURCE_TOPIC_HEADER,
                            (origin.topic() + "-" + origin.partition() + "@" + origin.offset())
                                    .getBytes(StandardCharsets.UTF_8));
            log.warn("dead-lettering {}-{}@{}: {}", origin.topic(), origin.partition(), origin.offset(), r.reason());
            sends.add(kafka.send(record));
        }
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the batch is retried: nothing is committed, nothing is lost
            throw new IllegalStateException("could not dead-letter " + refused.size() + " events", e);
        }
    }
}
