package io.tokenmeter.metering.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Consumes usage events in batches. Per batch: the valid events are stored in one transaction; refused events
 * (invalid, or refused by the database) go to the dead-letter topic (acknowledged); only when the listener
 * returns does the container commit the offsets. A crash anywhere in between replays the batch, and the store's
 * deduplication makes the replay harmless. A batch the database refuses for its data is split in halves until
 * the events at fault stand alone, so one bad event never holds up the others. Infrastructure failures (database
 * down) are thrown and retried by {@link KafkaErrorHandling} without end: a usage event is never skipped.
 */
@Component
class UsageEventListener {

    private static final Logger log = LoggerFactory.getLogger(UsageEventListener.class);

    /** A valid event and the record it came in, for the dead-letter topic should the database refuse it. */
    private record Decoded(ConsumerRecord<byte[], byte[]> record, UsageEvent event) {}

    private final UsageEventRepository store;
    private final DeadLetters deadLetters;
    private final Counter stored;
    private final Counter duplicates;
    private final Counter refused;
    private final Counter isolations;
    private final DistributionSummary batchSize;
    private final Timer storeTime;

    UsageEventListener(UsageEventRepository store, DeadLetters deadLetters, MeterRegistry meters) {
        this.store = store;
        this.deadLetters = deadLetters;
        this.stored = meters.counter("tokenmeter.metering.events", "outcome", "stored");
        this.duplicates = meters.counter("tokenmeter.metering.events", "outcome", "duplicate");
        this.refused = meters.counter("tokenmeter.metering.events", "outcome", "dead_lettered");
        this.isolations = Counter.builder("tokenmeter.metering.batch.isolations")
                .description("batches the database refused for their data, split to isolate the events at fault")
                .register(meters);
        this.batchSize = DistributionSummary.builder("tokenmeter.metering.batch.size")
                .baseUnit("events")
                .register(meters);
        this.storeTime = Timer.builder("tokenmeter.metering.batch.store")
                .description("one batch's database transaction")
                .register(meters);
    }

    // idIsGroup = false: the consumer group stays spring.kafka.consumer.group-id (metering-service), not the listener
    // id
    @KafkaListener(id = "usage-events", idIsGroup = false, topics = UsageTopics.USAGE_EVENTS, batch = "true")
    void on(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Decoded> valid = new ArrayList<>(records.size());
        List<DeadLetters.Refused> bad = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            UsageEventCodec.Decoded decoded = UsageEventCodec.decode(record.value());
            if (decoded.accepted()) {
                valid.add(new Decoded(record, decoded.event()));
            } else {
                bad.add(new DeadLetters.Refused(record, decoded.reason()));
            }
        }
        batchSize.record(records.size());
        int invalid = bad.size();
        long started = System.nanoTime();
        int fresh = store(valid, bad, 0);
        storeTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        deadLetters.publish(bad); // before the offsets move past them; a crash before this replays the batch
        int refusedByDatabase = bad.size() - invalid;
        stored.increment(fresh);
        duplicates.increment(valid.size() - refusedByDatabase - fresh);
        refused.increment(bad.size());
    }

    /**
     * Stores the events in one transaction; when the database refuses them for their data, stores each half on its
     * own, down to single events, which are then refused with the database's reason. Returns how many were new.
     */
    private int store(List<Decoded> events, List<DeadLetters.Refused> refusedOut, int depth) {
        if (events.isEmpty()) {
            return 0;
        }
        try {
            Set<UUID> fresh =
                    store.store(events.stream().map(Decoded::event).toList(), UsageEventRepository.Source.KAFKA);
            return fresh.size();
        } catch (RuntimeException e) {
            if (!DataErrors.isDataError(e)) {
                throw e; // the platform's fault: the error handler retries the batch, nothing is committed
            }
            if (depth == 0) {
                isolations.increment();
                log.warn(
                        "a batch of {} usage events was refused by the database for its data ({}); isolating the events at fault (storing halves)",
                        events.size(),
                        DataErrors.reason(e));
            }
            if (events.size() == 1) {
                refusedOut.add(new DeadLetters.Refused(events.getFirst().record(), DataErrors.reason(e)));
                return 0;
            }
            int half = events.size() / 2;
            return store(events.subList(0, half), refusedOut, depth + 1)
                    + store(events.subList(half, events.size()), refusedOut, depth + 1);
        }
    }
}
