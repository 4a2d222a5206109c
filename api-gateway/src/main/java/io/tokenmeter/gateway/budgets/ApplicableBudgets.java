package io.tokenmeter.gateway.budgets;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;

/**
 * The budgets each key is held to, kept per instance and refreshed in the background every few seconds, so that a
 * call of a tenant without budgets costs no round trip to the owner; the amounts themselves are checked by the leases.
 */
@Component
class ApplicableBudgets {

    private record KeyRef(String tenantId, String keyId) {}

    private final LoadingCache<KeyRef, List<ApplicableBudget>> cache;

    ApplicableBudgets(BudgetBook book, BudgetProperties properties) {
        // refreshed in the background once older than the TTL, so no call waits for billing but a key's first; a
        // refresh that fails (billing unreachable) keeps the list, for up to ten minutes: while billing is down no
        // budget can be created or removed either, and the leases it still holds keep checking the amounts
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .refreshAfterWrite(properties.budgetsCacheTtl())
                .expireAfterWrite(max(properties.budgetsCacheTtl().multipliedBy(12), Duration.ofMinutes(10)))
                .build(key -> book.applicableTo(key.tenantId(), key.keyId()));
    }

    List<ApplicableBudget> of(String tenantId, String keyId) {
        return cache.get(new KeyRef(tenantId, keyId));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A budget changed through this instance: it applies here from the next call (elsewhere within the TTL). */
    void forget() {
        cache.invalidateAll();
    }
}
