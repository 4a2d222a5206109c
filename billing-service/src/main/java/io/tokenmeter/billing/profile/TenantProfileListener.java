package io.tokenmeter.billing.profile;

import io.tokenmeter.contracts.tenants.TenantProfileChanged;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;

/**
 * Keeps the billing profiles in step with tenants.v1 (compacted: a new consumer group reads every tenant's
 * latest state from the start). The offset is committed after the row is written, so a crash replays, and a
 * replay is harmless: an older {@code changed_at} never replaces a newer one.
 */
@Component
class TenantProfileListener {

    private static final Logger log = LoggerFactory.getLogger(TenantProfileListener.class);

    private final BillingProfileRepository profiles;

    TenantProfileListener(BillingProfileRepository profiles) {
        this.profiles = profiles;
    }

    @KafkaListener(topics = TenantProfileChanged.TOPIC, groupId = "billing-service-profiles")
    void on(byte[] message) {
        TenantProfileChanged profile;
        try {
            profile = TenantProfileChanged.fromJson(message);
        } catch (JacksonException | NullPointerException e) {
            // the gateway writes these with the same record; an unreadable one is a bug there, not a reason to stop
            log.error("unreadable message on {} skipped: {}", TenantProfileChanged.TOPIC, e.getMessage());
            return;
        }
        profiles.apply(profile);
    }
}
