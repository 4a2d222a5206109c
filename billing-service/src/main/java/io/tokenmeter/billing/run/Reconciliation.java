package io.tokenmeter.billing.run;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A run's reconciliation: for each tenant and token class, the tokens metered in the period as of the cut-off
 * against the tokens invoiced for it, the difference and its cause; and, apart, what arrived late (ingested after
 * the cut-off: the next run bills it as adjustments). {@code clean}: no difference anywhere.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Reconciliation(
        UUID runId,
        Instant periodStart,
        Instant periodEnd,
        Instant cutoff,
        Instant lateCheckedUntil,
        boolean clean,
        List<TenantReconciliation> tenants) {

    public record TenantReconciliation(
            String tenantId, String status, List<ClassReconciliation> classes, List<String> causes) {}

    public record ClassReconciliation(
            String tokenClass, long metered, long invoiced, long difference, long lateAfterCutoff) {}
}
