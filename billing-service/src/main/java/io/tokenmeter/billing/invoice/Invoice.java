package io.tokenmeter.billing.invoice;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * An invoice with the copies it keeps of what it was made from: the buyer's billing profile, the issuer and the
 * tax rule, as they were when it was drafted, and the run that made it. {@code lines} is absent in listings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Invoice(
        UUID id,
        String number,
        String tenantId,
        String issuerId,
        Instant periodStart,
        Instant periodEnd,
        String currency,
        InvoiceStatus status,
        JsonNode buyer,
        JsonNode issuer,
        JsonNode taxRule,
        BigDecimal subtotal,
        BigDecimal tax,
        BigDecimal total,
        Instant createdAt,
        Instant issuedAt,
        Instant paidAt,
        Instant voidedAt,
        UUID runId,
        List<InvoiceLine> lines) {

    Invoice withLines(List<InvoiceLine> lines) {
        return new Invoice(
                id,
                number,
                tenantId,
                issuerId,
                periodStart,
                periodEnd,
                currency,
                status,
                buyer,
                issuer,
                taxRule,
                subtotal,
                tax,
                total,
                createdAt,
                issuedAt,
                paidAt,
                voidedAt,
                runId,
                lines);
    }
}
