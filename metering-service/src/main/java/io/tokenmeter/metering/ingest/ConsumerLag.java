package io.tokenmeter.metering.ingest;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.tokenmeter.contracts.usage.UsageTopics;
import jakarta.annotation.PreDestroy;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The metering group's lag per partition of {@code usage-events.v1}: the log end minus the committed offset,
 * read from the broker every 15 s. It is measured from the committed offsets, not from the consumer's own fetch
 * metrics, so a consumer stalled inside a batch (retrying a database that is down) shows its lag growing rather
 * than a figure frozen at its last fetch. Gauge {@code tokenmeter.metering.consumer.lag}, tags topic and partition.
 */
@Component
class ConsumerLag {

    private static final Logger log = LoggerFactory.getLogger(ConsumerLag.class);

    private final Admin admin;
    private final String group;
    private final MultiGauge lag;

    ConsumerLag(KafkaAdmin kafkaAdmin, @Value("${spring.kafka.consumer.group-id}") String group, MeterRegistry meters) {
        this.admin = Admin.create(kafkaAdmin.getConfigurationProperties());
        this.group = group;
        this.lag = MultiGauge.builder("tokenmeter.metering.consumer.lag")
                .baseUnit("events")
                .description("usage events on the topic not yet committed by metering's consumer group, per partition")
                .register(meters);
    }

    @Scheduled(
            fixedDelayString = "${tokenmeter.metering.lag-every:15s}",
            initialDelayString = "${tokenmeter.metering.lag-every:15s}")
    void refresh() {
        try {
            List<TopicPartition> partitions = admin
                    .describeTopics(List.of(UsageTopics.USAGE_EVENTS))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(UsageTopics.USAGE_EVENTS)
                    .partitions()
                    .stream()
                    .map(p -> new TopicPartition(UsageTopics.USAGE_EVENTS, p.partition()))
                    .toList();
            Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
            Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            List<MultiGauge.Row<?>> rows = new ArrayList<>(partitions.size());
            for (TopicPartition partition : partitions) {
                OffsetAndMetadata done = committed.get(partition);
                long from =
                        done == null ? starts.get(partition) : done.offset(); // nothing committed yet: all of it waits
                long behind = Math.max(0, ends.get(partition) - from);
                rows.add(MultiGauge.Row.of(
                        Tags.of("topic", partition.topic(), "partition", Integer.toString(partition.partition())),
                        behind));
            }
            lag.register(rows, true);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn("could not read the consumer lag of group {} from the broker: {}", group, e.toString());
        }
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec) throws Exception {
        return admin
                .listOffsets(partitions.stream().collect(Collectors.toMap(Function.identity(), p -> spec)))
                .all()
                .get(10, TimeUnit.SECONDS)
                .entrySet()
                .stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    }

    @PreDestroy
    void close() {
        admin.close();
    }
}
