package io.tokenmeter.gateway.spool;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.stereotype.Component;

/**
 * {@code WARNING} while usage events wait in the local spool (the gateway serves, but Kafka is not taking
 * events); {@code OUT_OF_SERVICE} when the spool is full and calls are refused.
 */
@Component
class SpoolHealthIndicator implements HealthIndicator {

    static final Status WARNING = new Status("WARNING", "usage events are being kept in the local spool");
    private final SpoolingSender sender;

    SpoolHealthIndicator(SpoolingSender sender) {
        this.sender = sender;
    }

    @Override
    public Health health() {
        UsageSpool spool = sender.spool();
        Health.Builder health = sender.cannotRecord()
                ? Health.outOfService()
                : sender.brokerDown() || spool.depthRecords() > 0 ? Health.status(WARNING) : Health.up();
        return health.withDetail("spooled_events", spool.depthRecords())
                .withDetail("spooled_bytes", spool.depthBytes())
                .withDetail("kafka_reachable", !sender.brokerDown())
                .build();
    }
}
