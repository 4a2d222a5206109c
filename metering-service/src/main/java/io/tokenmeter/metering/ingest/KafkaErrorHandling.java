package io.tokenmeter.metering.ingest;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.util.backoff.ExponentialBackOff;

import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * What happens when a batch cannot be stored (database or broker unavailable): retry it, backing off up to
 * 10 s between tries, for ever, saying at each try what it waits for. Bad events never reach here (the listener
 * dead-letters them, those the database refuses included), so a failure means the platform is unwell, and giving
 * up would lose usage.
 */
@Configuration(proxyBeanMethods = false)
class KafkaErrorHandling {

    private static final Logger log = LoggerFactory.getLogger(KafkaErrorHandling.class);

    @Bean
    CommonErrorHandler retryForever() {
        ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
        backOff.setMaxInterval(10_000);
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        DefaultErrorHandler handler = new DefaultErrorHandler(backOff);
        handler.setRetryListeners(new RetryListener() {
            @Override
            public void failedDelivery(ConsumerRecord<?, ?> record, Exception ex, int deliveryAttempt) {
                log.warn(
                        "usage event {}-{}@{} not stored (attempt {}): {}; retrying, its partition waits until it is",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        deliveryAttempt,
                        rootCause(ex));
            }

            @Override
            public void failedDelivery(ConsumerRecords<?, ?> records, Exception ex, int deliveryAttempt) {
                String partitions = StreamSupport.stream(records.partitions().spliterator(), false)
                        .map(p -> p.topic() + "-" + p.partition() + "@"
                                + records.records(p).getFirst().offset())
                        .collect(Collectors.joining(", "));
                log.warn(
                        "a batch of {} usage events ({}) could not be stored (attempt {}): {}; metering waits for the database "
                                + "and broker and retries, backing off up to 10 s; nothing is committed until it is stored",
                        records.count(),
                        partitions,
                        deliveryAttempt,
                        rootCause(ex));
            }
        });
        return handler;
    }

    private static String rootCause(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
