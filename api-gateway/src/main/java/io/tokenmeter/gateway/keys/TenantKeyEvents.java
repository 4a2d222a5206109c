package io.tokenmeter.gateway.keys;

import io.tokenmeter.contracts.keys.TenantKeyChanged;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Publishes each tenant key's id, tenant and revocation on the compacted topic {@code tenant-keys.v1} after the change
 * commits (never its secret or hash). A publish lost to a crash or a broker outage is made good at the next start,
 * which republishes every tenant key; a repeat is harmless.
 */
@Component
class TenantKeyEvents implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(TenantKeyEvents.class);

    private final KafkaTemplate<String, byte[]> kafka;
    private final ApiKeyRepository keys;

    TenantKeyEvents(KafkaTemplate<String, byte[]> kafka, ApiKeyRepository keys) {
        this.kafka = kafka;
        this.keys = keys;
    }

    /** Publishes once the surrounding transaction commits (at once when there is none); staff keys are not. */
    void changed(ApiKey key) {
        if (key.getTenantId() == null) {
            return;
        }
        TenantKeyChanged event = eventOf(key);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    publish(event);
                }
            });
        } else {
            publish(event);
        }
    }

    @Override
    public void run(ApplicationArguments args) {
        keys.findAllByTenantIdIsNotNull().forEach(key -> publish(eventOf(key)));
    }

    private static TenantKeyChanged eventOf(ApiKey key) {
        return new TenantKeyChanged(key.getId(), key.getTenantId(), key.getCreatedAt(), key.getRevokedAt());
    }

    private void publish(TenantKeyChanged event) {
        try {
            kafka.send(TenantKeyChanged.TOPIC, event.keyId(), event.toJson()).whenComplete((sent, error) -> {
                if (error != null) {
                    notPublished(event, error);
                }
            });
        } catch (RuntimeException e) {
            notPublished(event, e);
        }
    }

    private static void notPublished(TenantKeyChanged event, Throwable error) {
        log.warn(
                "tenant key {} not published on {} ({}); the next start republishes it",
                event.keyId(),
                TenantKeyChanged.TOPIC,
                NestedExceptionUtils.getMostSpecificCause(error).toString());
    }
}
