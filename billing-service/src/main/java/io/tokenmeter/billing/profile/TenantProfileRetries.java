package io.tokenmeter.billing.profile;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * A tenant profile that cannot be stored (the database is down) is retried, backing off up to 30 s, for ever, and each
 * try says what it waits for. Spring's default gave up after ten quick tries and skipped the profile, so billing went
 * on without a tenant's billing identity until the gateway happened to publish that tenant again. The same handler
 * serves the tenant keys of tenant-keys.v1.
 */
@Configuration(proxyBeanMethods = false)
class TenantProfileRetries {

    private static final Logger log = LoggerFactory.getLogger(TenantProfileRetries.class);

    @Bean
    CommonErrorHandler retryProfilesForever() {
        ExponentialBackOff backOff = new ExponentialBackOff(500, 2.0);
        backOff.setMaxInterval(30_000);
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        DefaultErrorHandler handler = new DefaultErrorHandler(backOff);
        handler.setRetryListeners(new RetryListener() {
            @Override
            public void failedDelivery(ConsumerRecord<?, ?> record, Exception ex, int deliveryAttempt) {
                Throwable root = ex;
                while (root.getCause() != null && root.getCause() != root) {
                    root = root.getCause();
                }
                log.warn(
                        "{}-{}@{} not stored (attempt {}): {}; retrying, the partition waits until it is",
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        deliveryAttempt,
                        root.toString());
            }
        });
        return handler;
    }
}
