package io.tokenmeter.billing.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A run's reconciliation: for each tenant and token class, the tokens metered in the period as of the cut-off
 * against the tokens invoiced for it, the difference and its cause; and, apart, what arrived late (ingested after
 * the cut-off: the next run bills it as adjustments). {@code clean}: no difference anywhere.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Reconciliation(@JsonProperty("run_id") UUID runId, @JsonProperty("period_start") Instant periodStart,
                             @JsonProperty("period_end") Instant periodEnd, Instant cutoff, @JsonProperty("late_checked_until") Instant lateCheckedUntil,
                             boolean clean, List<TenantReconciliation> tenants) {

    public record TenantReconciliation(@JsonProperty("tenant_id") String tenantId, String status, List<ClassReconciliation> classes,
                                       List<String> causes) {
    }

    public record ClassReconciliation(@JsonProperty("token_class") String tokenClass, long metered, long invoiced, long difference,
                                      @JsonProperty("late_after_cutoff") long lateAfterCutoff) {
    }
}
