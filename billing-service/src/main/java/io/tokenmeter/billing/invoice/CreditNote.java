package io.tokenmeter.billing.invoice;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A credit against an issued invoice, numbered in its own gapless series; a full one voids the invoice. */
public record CreditNote(
        UUID id,
        UUID invoiceId,
        String invoiceNumber,
        String number,
        String currency,
        BigDecimal subtotal,
        BigDecimal tax,
        BigDecimal total,
        boolean fullCredit,
        String reason,
        Instant createdAt) {}
