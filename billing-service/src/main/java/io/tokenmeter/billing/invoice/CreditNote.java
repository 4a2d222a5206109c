package io.tokenmeter.billing.invoice;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.UUID;

/** A credit against an issued invoice, numbered in its own gapless series; a full one voids the invoice. */
public record CreditNote(UUID id, @JsonProperty("invoice_id") UUID invoiceId, @JsonProperty("invoice_number") String invoiceNumber,
                         String number, String currency, BigDecimal subtotal, BigDecimal tax, BigDecimal total,
                         @JsonProperty("full_credit") boolean fullCredit, String reason, @JsonProperty("created_at") Instant createdAt) {
}
