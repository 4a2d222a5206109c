package io.tokenmeter.gateway.budgets;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * Enforcement of budgets on this instance (billing-service owns them and has its own settings).
 *
 * @param enabled                whether model calls are checked against budgets at all
 * @param budgetsCacheTtl        after this, an instance reloads a key's list of budgets in the background (the call
 *                               that notices still uses the old list): a budget created or removed on another
 *                               instance applies here from the first call after this long (amounts are always
 *                               checked by the leases)
 * @param leaseTtl               a lease not renewed for this long (its gateway died) expires; this instance stops
 *                               admitting calls on a lease it could not renew for this long
 * @param renewEvery             how often each lease reports its spend, is resized and extended (and an idle one
 *                               released): also how soon a budget's change reaches an instance holding a lease on it
 * @param slice                  a lease asks for room for about this long of its recent calls
 * @param defaultMaxOutputTokens the output a call may produce when it names no max_tokens and its model no limit
 */
@ConfigurationProperties("tokenmeter.gateway.budgets")
public record BudgetProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("5s") Duration budgetsCacheTtl,
        @DefaultValue("30s") Duration leaseTtl,
        @DefaultValue("1s") Duration renewEvery,
        @DefaultValue("10s") Duration slice,
        @DefaultValue("32768") long defaultMaxOutputTokens) {}
