package io.tokenmeter.metering.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * Consumes usage events in batches. Per batch: refused events go to the dead-letter topic (acknowledged),
 * the good ones are stored in one transaction, and only when the listener returns does the container commit
 * the offsets. A crash anywhere in between replays the batch, and the store's deduplication makes the replay
 * harmless. Infrastructure failures (database down) are thrown and retried by {@link KafkaErrorHandling}
 * without end: a usage event is never skipped.
 */
@Component
class UsageEventListener {

    private final UsageEventStore store;
    private final DeadLetters deadLetters;
    private final Counter stored;
    private final Counter duplicates;
    private final Counter refused;
    private final DistributionSummary batchSize;
    private final Timer storeTime;

    UsageEventListener(UsageEventStore store, DeadLetters deadLetters, MeterRegistry meters) {
        this.store = store;
        this.deadLetters = deadLetters;
        this.stored = meters.counter("tokenmeter.metering.events", "outcome", "stored");
        this.duplicates = meters.counter("tokenmeter.metering.events", "outcome", "duplicate");
        this.refused = meters.counter("tokenmeter.metering.events", "outcome", "dead_lettered");
        this.batchSize = DistributionSummary.builder("tokenmeter.metering.batch.size").baseUnit("events").register(meters);
        this.storeTime = Timer.builder("tokenmeter.metering.batch.store").description("one batch's database transaction").register(meters);
    }

    // idIsGroup = false: the consumer group stays spring.kafka.consumer.group-id (metering-service), not the listener id
    @KafkaListener(id = "usage-events", idIsGroup = false, topics = UsageTopics.USAGE_EVENTS, batch = "true")
    void on(List<ConsumerRecord<byte[], byte[]>> records) {
        List<UsageEvent> events = new ArrayList<>(records.size());
        List<DeadLetters.Refused> bad = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            UsageEventCodec.Decoded decoded = UsageEventCodec.decode(record.value());
            if (decoded.accepted()) {
                events.add(decoded.event());
            } else {
                bad.add(new DeadLetters.Refused(record, decoded.reason()));
            }
        }
        deadLetters.publish(bad);
        batchSize.record(records.size());
        long started = System.nanoTime();
        Set<UUID> fresh = store.store(events, UsageEventStore.Source.KAFKA);
        storeTime.record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
        stored.increment(fresh.size());
        duplicates.increment(events.size() - fresh.size());
        refused.increment(bad.size());
    }
}
