package io.tokenmeter.gateway.tenants;

import io.tokenmeter.contracts.tenants.TenantProfileChanged;
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
 * Publishes each tenant's whole current profile on the compacted topic {@code tenants.v1}, after the change
 * commits. A publish lost to a crash or a broker outage is made good at the next start, which republishes
 * every tenant: consumers keep the newest by {@code changed_at}, so a repeat is harmless.
 */
@Component
class TenantProfiles implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(TenantProfiles.class);

    private final KafkaTemplate<String, byte[]> kafka;
    private final TenantRepository tenants;

    TenantProfiles(KafkaTemplate<String, byte[]> kafka, TenantRepository tenants) {
        this.kafka = kafka;
        this.tenants = tenants;
    }

    /** Publishes once the surrounding transaction commits (at once when there is none). */
    void changed(Tenant tenant) {
        TenantProfileChanged profile = profileOf(tenant);
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    publish(profile);
                }
            });
        } else {
            publish(profile);
        }
    }

    @Override
    public void run(ApplicationArguments args) {
        tenants.findAll().forEach(tenant -> publish(profileOf(tenant)));
    }

    static TenantProfileChanged profileOf(Tenant t) {
        return new TenantProfileChanged(
                t.getId(),
                t.getName(),
                t.getLegalName(),
                t.getBillingCountry(),
                t.getTaxId(),
                t.getCurrency(),
                t.getIssuerId(),
                t.getStatus().name(),
                t.getUpdatedAt());
    }

    private void publish(TenantProfileChanged profile) {
        try {
            kafka.send(TenantProfileChanged.TOPIC, profile.tenantId(), profile.toJson())
                    .whenComplete((sent, error) -> {
                        if (error != null) {
                            log.warn(
                                    "tenant {} not published on {} ({}); the next start republishes it",
                                    profile.tenantId(),
                                    TenantProfileChanged.TOPIC,
                                    NestedExceptionUtils.getMostSpecificCause(error)
                                            .toString());
                        }
                    });
        } catch (RuntimeException e) {
            log.warn(
                    "tenant {} not published on {} ({}); the next start republishes it",
                    profile.tenantId(),
                    TenantProfileChanged.TOPIC,
                    NestedExceptionUtils.getMostSpecificCause(e).toString());
        }
    }
}
