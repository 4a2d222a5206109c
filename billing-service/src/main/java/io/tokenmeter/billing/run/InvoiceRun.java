package io.tokenmeter.billing.run;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A run and its progress. {@code cutoff}: events ingested before it count; those ingested later are late.
 * {@code status}: running while tenants are pending, then done, or done_with_errors when some failed (each can
 * be retried alone).
 */
public record InvoiceRun(UUID id, @JsonProperty("period_start") Instant periodStart, @JsonProperty("period_end") Instant periodEnd,
                         Instant cutoff, @JsonProperty("created_at") Instant createdAt, String status, int tenants, int invoiced,
                         int failed, int pending, List<TenantOutcome> failures) {

    public record TenantOutcome(@JsonProperty("tenant_id") String tenantId, String error) {
    }
}
