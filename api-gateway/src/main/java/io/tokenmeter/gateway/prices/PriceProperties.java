package io.tokenmeter.gateway.prices;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param rateCardTtl how long a tenant's rate card is kept, at most; never past its own validity
 * @param showCost    whether model answers carry their cost (usage.cost and x-tokenmeter-cost)
 * @param costWait    how long a call's answer may wait for a rate card not cached yet before it goes without a cost
 * @param unpricedTtl how long pricing's "no price" for a tenant is kept, so that an unpriced tenant's calls do not
 *                    each ask pricing again; a price created meanwhile reaches its calls this much later at most
 */
@ConfigurationProperties("tokenmeter.gateway.prices")
public record PriceProperties(
        @DefaultValue("60s") Duration rateCardTtl,
        @DefaultValue("true") boolean showCost,
        @DefaultValue("1s") Duration costWait,
        @DefaultValue("10s") Duration unpricedTtl) {}
