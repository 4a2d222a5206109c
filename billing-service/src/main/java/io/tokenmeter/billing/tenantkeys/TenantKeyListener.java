package io.tokenmeter.billing.tenantkeys;

import io.tokenmeter.contracts.keys.TenantKeyChanged;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;

/**
 * Keeps billing's list of tenant keys in step with tenant-keys.v1 (compacted: a new group reads every key from the
 * start). The offset is committed after the row is written, and a replay is harmless. A database failure is retried
 * without end by the service's error handler, as for tenant profiles.
 */
@Component
class TenantKeyListener {

    private static final Logger log = LoggerFactory.getLogger(TenantKeyListener.class);

    private final TenantKeys keys;

    TenantKeyListener(TenantKeys keys) {
        this.keys = keys;
    }

    @KafkaListener(topics = TenantKeyChanged.TOPIC, groupId = "billing-service-tenant-keys")
    void on(byte[] message) {
        TenantKeyChanged key;
        try {
            key = TenantKeyChanged.fromJson(message);
        } catch (JacksonException | NullPointerException e) {
            // the gateway writes these with the same record; an unreadable one is a bug there, not a reason to stop
            log.error("unreadable message on {} skipped: {}", TenantKeyChanged.TOPIC, e.getMessage());
            return;
        }
        keys.apply(key);
    }
}
