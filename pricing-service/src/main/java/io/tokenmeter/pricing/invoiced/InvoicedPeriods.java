package io.tokenmeter.pricing.invoiced;

import io.tokenmeter.contracts.rating.InvoicedPeriodApi.InvoicedPeriod;
import io.tokenmeter.pricing.PricingErrors;
import io.tokenmeter.starter.web.ApiException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Invoiced periods and the two rules they carry. A price that takes effect in the past (a back-dated version or
 * contract) may not reach into a period an issued invoice of a tenant it applies to covers; and an invoice may not be
 * issued from a draft priced before a change to its period's prices. Both take one lock, so a back-dated change and
 * an issue cannot pass each other.
 */
@Component
public class InvoicedPeriods {

    private static final int NAMED = 5;

    private final JdbcClient jdbc;

    InvoicedPeriods(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Held until the calling transaction ends. */
    public void lock() {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('pricing.invoiced-periods'))")
                .query(Object.class)
                .single();
    }

    /** The tenants with a contract on this book, at any time. */
    public List<String> tenantsOnBook(String bookId) {
        return jdbc.sql("SELECT DISTINCT tenant_id FROM tenant_contract WHERE price_book_id = ? ORDER BY tenant_id")
                .param(bookId)
                .query(String.class)
                .list();
    }

    /**
     * Refuses (409 {@code invoiced-period}, naming the invoices) a change of {@code what} from {@code from} when an
     * issued invoice of one of {@code tenants} (every tenant when null) covers time after it. Call under
     * {@link #lock()}.
     */
    public void refuseOverInvoiced(String what, Instant from, Collection<String> tenants) {
        record Covering(String number, String tenantId, Instant start, Instant end) {}
        List<Covering> covering = jdbc.sql("""
                        SELECT invoice_number, tenant_id, period_start, period_end FROM invoiced_period
                        WHERE period_end > :from AND (:all OR tenant_id = ANY (:tenants))
                        ORDER BY period_end DESC, invoice_number""")
                .param("from", Timestamp.from(from))
                .param("all", tenants == null)
                .param("tenants", tenants == null ? new String[0] : tenants.toArray(String[]::new))
                .query((rs, i) -> new Covering(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getTimestamp(3).toInstant(),
                        rs.getTimestamp(4).toInstant()))
                .list();
        if (!covering.isEmpty()) {
            String named = covering.stream()
                    .limit(NAMED)
                    .map(c -> c.number() + " (" + c.tenantId() + ", " + c.start() + " to " + c.end() + ")")
                    .collect(Collectors.joining(", "));
            throw new ApiException(
                    PricingErrors.INVOICED_PERIOD,
                    what + " would take effect at " + from + ", inside the period of issued invoice"
                            + (covering.size() == 1 ? " " : "s ") + named
                            + (covering.size() > NAMED ? " and " + (covering.size() - NAMED) + " more" : "")
                            + ": what was invoiced is never repriced; start it at "
                            + covering.getFirst().end()
                            + " or later, or credit the invoice first");
        }
    }

    /**
     * Records an invoice being issued, unless its period's prices changed after its draft was priced (409
     * {@code prices-changed}, naming the change). Recording twice is harmless.
     */
    void record(InvoicedPeriod invoice) {
        lock();
        record Change(String what, Instant takesEffect, Instant added, String by, String reason) {}
        List<Change> changes = jdbc.sql("""
                        SELECT 'version ' || v.version || ' of price book ' || v.price_book_id, v.effective_from,
                               v.created_at, v.created_by, v.backdate_reason
                        FROM price_book_version v JOIN price_book b ON b.id = v.price_book_id
                        WHERE v.created_at > :drafted AND v.effective_from < :end AND b.purpose = 'SELL'
                          AND (b.is_default OR b.id IN (SELECT price_book_id FROM tenant_contract
                                                        WHERE tenant_id = :tenant AND price_book_id IS NOT NULL))
                        UNION ALL
                        SELECT 'contract ' || c.id, c.valid_from, c.created_at, c.created_by, c.backdate_reason
                        FROM tenant_contract c
                        WHERE c.tenant_id = :tenant AND c.created_at > :drafted AND c.valid_from < :end
                        ORDER BY 3""")
                .param("drafted", Timestamp.from(invoice.draftedAt()))
                .param("end", Timestamp.from(invoice.periodEnd()))
                .param("tenant", invoice.tenantId())
                .query((rs, i) -> new Change(
                        rs.getString(1),
                        rs.getTimestamp(2).toInstant(),
                        rs.getTimestamp(3).toInstant(),
                        rs.getString(4),
                        rs.getString(5)))
                .list();
        if (!changes.isEmpty()) {
            Change c = changes.getLast();
            throw new ApiException(
                    PricingErrors.PRICES_CHANGED,
                    "the prices of " + invoice.periodStart() + " to " + invoice.periodEnd() + " for "
                            + invoice.tenantId() + " changed after this draft was priced at " + invoice.draftedAt()
                            + ": " + c.what() + " takes effect at " + c.takesEffect() + ", added at " + c.added()
                            + " by " + c.by() + (c.reason() == null ? "" : " (" + c.reason() + ")")
                            + "; re-rate the draft before issuing it");
        }
        jdbc.sql("""
                        INSERT INTO invoiced_period (invoice_number, tenant_id, period_start, period_end)
                        VALUES (?, ?, ?, ?) ON CONFLICT (invoice_number) DO NOTHING""")
                .params(
                        invoice.invoiceNumber(),
                        invoice.tenantId(),
                        Timestamp.from(invoice.periodStart()),
                        Timestamp.from(invoice.periodEnd()))
                .update();
    }
}
