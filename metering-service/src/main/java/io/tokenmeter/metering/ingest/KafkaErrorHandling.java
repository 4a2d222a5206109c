package io.tokenmeter.metering.ingest;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.ExponentialBackOff;

/**
 * What happens when a batch cannot be stored (database or broker unavailable): retry it, backing off up to
 * 10 s between tries, for ever. Bad events never reach here (the listener dead-letters them), so a failure
 * means the platform is unwell, and giving up would lose usage.
 */
@Configuration(proxyBeanMethods = false)
class KafkaErrorHandling {

    @Bean
    CommonErrorHandler retryForever() {
        ExponentialBackOff backOff = new ExponentialBackOff(200, 2.0);
        backOff.setMaxInterval(10_000);
        backOff.setMaxElapsedTime(Long.MAX_VALUE);
        return new DefaultErrorHandler(backOff);
    }
}
