package io.tokenmeter.gateway.budgets;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import org.springframework.stereotype.Component;

import java.util.List;

/**
 * The budgets each key is held to, kept per instance and refreshed in the background every few seconds, so that a
 * call of a tenant without budgets costs no round trip to the owner; the amounts themselves are checked by the leases.
 */
@Component
public class ApplicableBudgets {

    private record KeyRef(String tenantId, String keyId) {}

    private final LoadingCache<KeyRef, List<ApplicableBudget>> cache;

    ApplicableBudgets(BudgetBook book, BudgetProperties properties) {
        // refreshed in the background once older than the TTL, so no call waits for the query but a key's first
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .refreshAfterWrite(properties.budgetsCacheTtl())
                .expireAfterWrite(properties.budgetsCacheTtl().multipliedBy(12))
                .build(key -> book.applicableTo(key.tenantId(), key.keyId()));
    }

    List<ApplicableBudget> of(String tenantId, String keyId) {
        return cache.get(new KeyRef(tenantId, keyId));
    }

    /** A budget changed on this instance: it applies here from the next call (elsewhere within the cache's TTL). */
    public void forget() {
        cache.invalidateAll();
    }
}
