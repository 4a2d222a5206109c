package io.tokenmeter.gateway.budgets;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The budgets each key is held to, kept per instance and refreshed in the background every few seconds, so that a
 * call of a tenant without budgets costs no round trip to the owner; the amounts themselves are checked by the leases.
 */
@Component
class ApplicableBudgets {

    private record KeyRef(String tenantId, String keyId) {}

    private static final Logger log = LoggerFactory.getLogger(ApplicableBudgets.class);
    private static final Duration WARN_EVERY = Duration.ofSeconds(10);

    private final LoadingCache<KeyRef, List<ApplicableBudget>> cache;
    private final AtomicLong lastWarned = new AtomicLong(System.nanoTime() - WARN_EVERY.toNanos() - 1);

    ApplicableBudgets(BudgetBook book, BudgetProperties properties) {
        // refreshed in the background once older than the TTL, so no call waits for billing but a key's first; a
        // refresh that fails (billing unreachable) keeps the list, for up to ten minutes: while billing is down no
        // budget can be created or removed either, and the leases it still holds keep checking the amounts
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .refreshAfterWrite(properties.budgetsCacheTtl())
                .expireAfterWrite(max(properties.budgetsCacheTtl().multipliedBy(12), Duration.ofMinutes(10)))
                .build(key -> load(book, key));
    }

    /** Says once in a while, not once a call, that billing cannot be asked; the failure itself goes to the caller. */
    private List<ApplicableBudget> load(BudgetBook book, KeyRef key) {
        try {
            return book.applicableTo(key.tenantId(), key.keyId());
        } catch (RuntimeException e) {
            long now = System.nanoTime();
            long last = lastWarned.get();
            if (now - last > WARN_EVERY.toNanos() && lastWarned.compareAndSet(last, now)) {
                log.warn(
                        "waiting for billing-service to answer which budgets apply (keys already loaded keep their"
                                + " lists; keys never loaded here are refused with 503): {}",
                        e.toString());
            }
            throw e;
        }
    }

    List<ApplicableBudget> of(String tenantId, String keyId) {
        return cache.get(new KeyRef(tenantId, keyId));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /**
     * A budget of {@code tenantId} changed through this instance (of any tenant when null): it applies here from the
     * next call (elsewhere within the TTL).
     */
    void forget(String tenantId) {
        if (tenantId == null) {
            cache.invalidateAll();
        } else {
            cache.asMap().keySet().removeIf(key -> key.tenantId().equals(tenantId));
        }
    }
}
