package io.tokenmeter.billing.trade;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

/** The invoiced side of the statement: lines of issued and paid invoices, with what their invoice copied. */
@Repository
class TokenTradeRepository {

    /**
     * One invoiced line with tokens: the buyer, issuer and tax rule as its invoice copied them, and when its usage
     * began ({@code usedFrom}: an adjustment's own period, else the invoice's).
     */
    record InvoicedLine(
            String tenantId,
            String currency,
            Instant periodEnd,
            String buyerCountry,
            String issuerCountry,
            String treatment,
            BigDecimal taxRate,
            String legalNote,
            String model,
            String region,
            String tokenClass,
            long tokens,
            BigDecimal amount,
            LocalDate fxDate,
            Instant usedFrom,
            java.util.UUID invoiceId,
            BigDecimal invoiceSubtotal,
            BigDecimal credited) {}

    /** A period some issued or paid invoice of the tenant covers. */
    record InvoicedPeriod(String tenantId, Instant from, Instant to) {}

    private final JdbcClient jdbc;

    TokenTradeRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    List<InvoicedLine> invoicedLines(Instant from, Instant to) {
        return jdbc.sql("""
                        WITH credited AS (SELECT invoice_id, sum(subtotal) AS credited FROM credit_note
                                          GROUP BY invoice_id)
                        SELECT i.tenant_id, i.currency, i.period_end, i.buyer ->> 'billing_country' AS buyer_country,
                               i.issuer ->> 'country' AS issuer_country, i.tax_rule ->> 'treatment' AS treatment,
                               (i.tax_rule ->> 'rate_percent')::numeric AS tax_rate,
                               i.tax_rule ->> 'legal_note' AS legal_note,
                               l.model, l.region, l.token_class, l.tokens, l.amount, l.fx_date,
                               coalesce(l.usage_period_start, i.period_start) AS used_from,
                               i.id AS invoice_id, i.subtotal AS invoice_subtotal,
                               coalesce(c.credited, 0) AS credited
                        FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id
                            LEFT JOIN credited c ON c.invoice_id = i.id
                        WHERE i.status IN ('issued', 'paid') AND l.model IS NOT NULL AND l.tokens IS NOT NULL
                          AND coalesce(l.usage_period_start, i.period_start) >= :from
                          AND coalesce(l.usage_period_start, i.period_start) < :to
                        ORDER BY used_from, i.id, l.position""")
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .query((rs, n) -> new InvoicedLine(
                        rs.getString("tenant_id"),
                        rs.getString("currency"),
                        rs.getTimestamp("period_end").toInstant(),
                        rs.getString("buyer_country"),
                        rs.getString("issuer_country"),
                        rs.getString("treatment"),
                        rs.getBigDecimal("tax_rate"),
                        rs.getString("legal_note"),
                        rs.getString("model"),
                        rs.getString("region"),
                        rs.getString("token_class"),
                        rs.getLong("tokens"),
                        rs.getBigDecimal("amount"),
                        rs.getObject("fx_date", LocalDate.class),
                        rs.getTimestamp("used_from").toInstant(),
                        rs.getObject("invoice_id", java.util.UUID.class),
                        rs.getBigDecimal("invoice_subtotal"),
                        rs.getBigDecimal("credited")))
                .list();
    }

    List<InvoicedPeriod> invoicedPeriods(Instant from, Instant to) {
        return jdbc.sql("""
                        SELECT tenant_id, period_start, period_end FROM invoice
                        WHERE status IN ('issued', 'paid') AND period_start < :to AND period_end > :from
                        ORDER BY tenant_id, period_start""")
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .query((rs, n) -> new InvoicedPeriod(
                        rs.getString("tenant_id"),
                        rs.getTimestamp("period_start").toInstant(),
                        rs.getTimestamp("period_end").toInstant()))
                .list();
    }
}
