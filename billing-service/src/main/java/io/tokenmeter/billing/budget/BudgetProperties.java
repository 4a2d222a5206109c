package io.tokenmeter.billing.budget;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * Budgets at their owner: the ledger's sweeper, how long a new budget waits for its tenant or key to arrive from
 * Kafka, and the alerts.
 *
 * @param expiryGrace an expired lease is closed this long after its expiry, so that the usage events of its last
 *                    calls are booked before its slice is free again
 * @param sweepEvery  how often expired leases are looked for
 * @param arrivalWait a budget for a tenant or key billing has not heard of yet waits this long for it on
 *                    {@code tenants.v1} and {@code tenant-keys.v1} (a tenant created a moment ago) before it is refused
 * @param alerts      delivery of threshold alerts
 */
@ConfigurationProperties("tokenmeter.billing.budgets")
public record BudgetProperties(
        @DefaultValue("5s") Duration expiryGrace,
        @DefaultValue("5s") Duration sweepEvery,
        @DefaultValue("10s") Duration arrivalWait,
        @DefaultValue Alerts alerts) {

    /**
     * @param pollEvery    how often alerts due for publishing or delivery are looked for
     * @param firstRetry   the wait after the first failed webhook delivery; it doubles each time, up to {@code
     * maxRetryWait}
     * @param maxAttempts  webhook attempts before the delivery is given up as FAILED
     * @param timeout      one webhook call's time limit
     * @param allowedHosts webhook hosts exempt from the public-address rule (local development: 127.0.0.1, localhost)
     * @param secretKey    the AES-256 key (32 bytes, base64) that seals webhook signing secrets at rest
     */
    public record Alerts(
            @DefaultValue("1s") Duration pollEvery,
            @DefaultValue("2s") Duration firstRetry,
            @DefaultValue("10m") Duration maxRetryWait,
            @DefaultValue("8") int maxAttempts,
            @DefaultValue("5s") Duration timeout,
            List<String> allowedHosts,
            String secretKey) {

        public Alerts {
            allowedHosts = allowedHosts == null
                    ? List.of()
                    : allowedHosts.stream().filter(h -> !h.isBlank()).toList();
        }
    }
}
