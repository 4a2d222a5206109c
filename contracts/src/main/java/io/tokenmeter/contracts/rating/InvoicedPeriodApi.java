package io.tokenmeter.contracts.rating;

import java.time.Instant;

/**
 * Billing tells pricing of each invoice it is about to issue, inside the issuing transaction, so that pricing can
 * refuse a price that would take effect inside an invoiced period (history that was invoiced is never rewritten), and
 * can refuse the issue of a draft made before its period's prices changed. Internal: only billing's own caller.
 */
public final class InvoicedPeriodApi {

    public static final String PATH = "/api/internal/invoiced-periods";
    /** The caller billing signs as; no API key can have it. */
    public static final String BILLING_CALLER = "service:billing-runs";

    private InvoicedPeriodApi() {}

    /** @param draftedAt when the draft's lines were priced: any price change of the period after it makes it stale */
    public record InvoicedPeriod(
            String invoiceNumber, String tenantId, Instant periodStart, Instant periodEnd, Instant draftedAt) {}
}
