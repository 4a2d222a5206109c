package io.tokenmeter.billing.budget;

import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Kind;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Window;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

/**
 * A spend cap of a tenant ({@code apiKeyId} null) or of one of its keys, in {@code currency}, as its owner keeps it.
 *
 * @param amount     the cap per period; for a prepaid budget, everything topped up so far
 * @param thresholds percentages of the amount whose crossing raises an alert
 * @param topUps     how many top-ups a prepaid budget has had: alerts start afresh after each
 */
record Budget(
        String id,
        String tenantId,
        String apiKeyId,
        Kind kind,
        BigDecimal amount,
        String currency,
        Instant startsAt,
        Instant endsAt,
        List<Integer> thresholds,
        int topUps,
        Instant createdAt,
        String createdBy) {

    /** What the enforcing side needs of it. */
    ApplicableBudget applicable() {
        return new ApplicableBudget(id, tenantId, apiKeyId, kind, amount, currency, startsAt, endsAt);
    }

    /** The window containing {@code at}, or null outside a custom period; the rule both sides share. */
    Window windowAt(Instant at) {
        return applicable().windowAt(at);
    }

    /** Which top-up generation an alert belongs to; periods other than prepaid have only one. */
    int generation() {
        return kind == Kind.PREPAID ? topUps : 0;
    }
}
