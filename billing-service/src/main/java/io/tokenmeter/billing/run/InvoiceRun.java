package io.tokenmeter.billing.run;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * A run and its progress. {@code cutoff}: events ingested before it count; those ingested later are late.
 * {@code status}: running while tenants are pending, then done, or done_with_errors when some failed (each can
 * be retried alone).
 */
public record InvoiceRun(
        UUID id,
        Instant periodStart,
        Instant periodEnd,
        Instant cutoff,
        Instant createdAt,
        String status,
        int tenants,
        int invoiced,
        int failed,
        int pending,
        List<TenantOutcome> failures) {

    public record TenantOutcome(String tenantId, String error) {}
}
