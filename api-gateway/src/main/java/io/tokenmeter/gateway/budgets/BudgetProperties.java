package io.tokenmeter.gateway.budgets;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;
import java.util.List;

/**
 * @param enabled                whether model calls are checked against budgets at all
 * @param budgetsCacheTtl        after this, an instance reloads a key's list of budgets in the background (the call
 *                               that notices still uses the old list): a budget created or removed on another
 *                               instance applies here from the first call after this long (amounts are always
 *                               checked by the leases)
 * @param rateCardTtl            how long a tenant's rate card is kept, at most; never past its own validity
 * @param leaseTtl               a lease not renewed for this long (its gateway died) expires; this instance stops
 *                               admitting calls on a lease it could not renew for this long
 * @param renewEvery             how often each lease reports its spend, is resized and extended (and an idle one
 *                               released): also how soon a budget's change reaches an instance holding a lease on it
 * @param slice                  a lease asks for room for about this long of its recent calls
 * @param expiryGrace            an expired lease is closed this long after its expiry, so that the usage events of
 *                               its last calls are booked before its slice is free again
 * @param sweepEvery             how often expired leases are looked for
 * @param defaultMaxOutputTokens the output a call may produce when it names no max_tokens and its model no limit
 * @param alerts                 delivery of threshold alerts
 */
@ConfigurationProperties("tokenmeter.gateway.budgets")
public record BudgetProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("5s") Duration budgetsCacheTtl,
        @DefaultValue("60s") Duration rateCardTtl,
        @DefaultValue("30s") Duration leaseTtl,
        @DefaultValue("1s") Duration renewEvery,
        @DefaultValue("10s") Duration slice,
        @DefaultValue("5s") Duration expiryGrace,
        @DefaultValue("5s") Duration sweepEvery,
        @DefaultValue("32768") long defaultMaxOutputTokens,
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
