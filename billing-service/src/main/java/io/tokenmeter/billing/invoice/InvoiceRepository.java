package io.tokenmeter.billing.invoice;

import io.tokenmeter.billing.BillingErrors;
import io.tokenmeter.billing.issuer.Issuer;
import io.tokenmeter.billing.profile.BillingProfile;
import io.tokenmeter.billing.tax.TaxRule;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.money.Money;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The invoices and credit notes: drafts are made (by invoice runs) with their lines and totals; issuing numbers
 * them and freezes them; payment and voiding are recorded; credit notes reduce what is owed. Every money rule is
 * here: lines arrive rounded to the invoice currency's minor units, the subtotal is their sum, the tax is computed
 * on the subtotal and rounded once (half to even), the total is subtotal plus tax.
 */
@Service
public class InvoiceRepository {

    private static final JsonMapper JSON = WireJson.MAPPER;
    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
    private static final String INVOICE_COLUMNS = """
            id, number, tenant_id, issuer_id, period_start, period_end, currency, status, buyer::text AS buyer,
                issuer::text AS issuer,
            tax_rule::text AS tax_rule, subtotal, tax, total, created_at, issued_at, paid_at, voided_at, run_id""";

    private final JdbcClient jdbc;
    private final NamedParameterJdbcTemplate batch;
    private final DocumentNumbers numbers;
    private final Clock clock;

    InvoiceRepository(JdbcClient jdbc, NamedParameterJdbcTemplate batch, DocumentNumbers numbers) {
        this.jdbc = jdbc;
        this.batch = batch;
        this.numbers = numbers;
        this.clock = Clock.systemUTC();
    }

    /** A draft invoice for the buyer, with the given lines; the buyer, issuer and tax rule are copied onto it. */
    @Transactional
    public Invoice createDraft(
            BillingProfile buyer,
            Issuer issuer,
            TaxRule taxRule,
            Instant periodStart,
            Instant periodEnd,
            List<InvoiceLine> lines,
            String createdBy) {
        return find(draft(buyer, issuer, taxRule, periodStart, periodEnd, lines, createdBy, null))
                .orElseThrow();
    }

    /**
     * As above, made by an invoice run (the database holds at most one invoice per run and tenant); returns only
     * the id, since a run has no use for reading the invoice back.
     */
    @Transactional
    public UUID draft(
            BillingProfile buyer,
            Issuer issuer,
            TaxRule taxRule,
            Instant periodStart,
            Instant periodEnd,
            List<InvoiceLine> lines,
            String createdBy,
            UUID runId) {
        InvoiceTotals totals = InvoiceTotals.of(lines, buyer.currency(), taxRule.ratePercent());
        Currency currency = totals.subtotal().currency();
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO invoice (id, tenant_id, issuer_id, period_start, period_end, currency, status,
                            buyer, issuer, tax_rule,
                                             subtotal, tax, total, created_by, run_id)
                        VALUES (:id, :tenant, :issuer, :start, :end, :currency, 'draft', CAST(:buyer AS jsonb),
                            CAST(:issuerJson AS jsonb),
                                CAST(:rule AS jsonb), :subtotal, :tax, :total, :by, :run)""")
                .param("id", id)
                .param("tenant", buyer.tenantId())
                .param("issuer", issuer.id())
                .param("start", Timestamp.from(periodStart))
                .param("end", Timestamp.from(periodEnd))
                .param("currency", currency.getCurrencyCode())
                .param("buyer", JSON.writeValueAsString(buyer))
                .param("issuerJson", JSON.writeValueAsString(issuer))
                .param("rule", JSON.writeValueAsString(taxRule))
                .param("subtotal", totals.subtotal().amount())
                .param("tax", totals.tax().amount())
                .param("total", totals.total().amount())
                .param("by", createdBy)
                .param("run", runId)
                .update();
        MapSqlParameterSource[] rows = new MapSqlParameterSource[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            InvoiceLine line = lines.get(i);
            rows[i] = new MapSqlParameterSource()
                    .addValue("id", UUID.randomUUID())
                    .addValue("invoice", id)
                    .addValue("position", i + 1)
                    .addValue("kind", line.kind().name().toLowerCase())
                    .addValue("description", line.description())
                    .addValue("model", line.model())
                    .addValue("region", line.region())
                    .addValue("class", line.tokenClass())
                    .addValue(
                            "usageStart",
                            line.usagePeriodStart() == null ? null : Timestamp.from(line.usagePeriodStart()))
                    .addValue("usageEnd", line.usagePeriodEnd() == null ? null : Timestamp.from(line.usagePeriodEnd()))
                    .addValue("tokens", line.tokens())
                    .addValue("rate", line.unitRatePerMillion())
                    .addValue("bookCurrency", line.bookCurrency())
                    .addValue("inBook", line.amountInBook())
                    .addValue("fxRate", line.fxRate())
                    .addValue("fxDate", line.fxDate())
                    .addValue("fxSource", line.fxSource())
                    .addValue("amount", line.amount());
        }
        batch.batchUpdate("""
                INSERT INTO invoice_line (id, invoice_id, position, kind, description, model, region, token_class,
                    usage_period_start, usage_period_end, tokens, unit_rate_per_million, book_currency, amount_in_book,
                    fx_rate, fx_date, fx_source, amount)
                VALUES (:id, :invoice, :position, :kind, :description, :model, :region, :class, :usageStart, :usageEnd,
                        :tokens, :rate, :bookCurrency, :inBook, :fxRate, :fxDate, :fxSource, :amount)""", rows);
        return id;
    }

    /** Deletes a draft and its lines (to be drafted again); the database refuses it for any other invoice. */
    @Transactional
    public void deleteDraft(UUID id) {
        jdbc.sql("DELETE FROM invoice_line WHERE invoice_id = :id")
                .param("id", id)
                .update();
        jdbc.sql("DELETE FROM invoice WHERE id = :id AND status = 'draft'")
                .param("id", id)
                .update();
    }

    /**
     * Numbers the draft in its issuer's series for this year and freezes it. {@code beforeIssue} gets the draft and its
     * number inside the transaction, before the invoice is issued: a failure there leaves it a draft and the number
     * unused (the counter's update rolls back with it).
     */
    @Transactional
    public Invoice issue(UUID id, java.util.function.BiConsumer<Invoice, String> beforeIssue) {
        Invoice invoice = locked(id);
        if (invoice.status() != InvoiceStatus.DRAFT) {
            throw new ApiException(
                    BillingErrors.CONFLICT,
                    "invoice " + invoice.number() + " is already "
                            + invoice.status().name().toLowerCase());
        }
        Instant now = clock.instant();
        String number = numbers.next(
                invoice.issuerId(),
                DocumentNumbers.Series.INVOICE,
                now.atZone(ZoneOffset.UTC).getYear());
        beforeIssue.accept(invoice, number);
        jdbc.sql("UPDATE invoice SET status = 'issued', number = :number, issued_at = :now WHERE id = :id")
                .param("number", number)
                .param("now", Timestamp.from(now))
                .param("id", id)
                .update();
        return find(id).orElseThrow();
    }

    @Transactional
    public Invoice markPaid(UUID id) {
        Invoice invoice = locked(id);
        if (invoice.status() != InvoiceStatus.ISSUED) {
            throw new ApiException(
                    BillingErrors.CONFLICT,
                    "only an issued invoice can be paid; this one is "
                            + invoice.status().name().toLowerCase());
        }
        jdbc.sql("UPDATE invoice SET status = 'paid', paid_at = :now WHERE id = :id")
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
        return find(id).orElseThrow();
    }

    /** Voids an issued or paid invoice with a credit note for everything not credited yet. */
    @Transactional
    public CreditNote voidInvoice(UUID id, String reason, String by) {
        Invoice invoice = issuedOrPaid(locked(id));
        Credited credited = credited(id);
        CreditNote note = insertCreditNote(
                invoice,
                invoice.subtotal().subtract(credited.subtotal()),
                invoice.tax().subtract(credited.tax()),
                true,
                reason,
                by);
        jdbc.sql("UPDATE invoice SET status = 'void', voided_at = :now WHERE id = :id")
                .param("now", Timestamp.from(clock.instant()))
                .param("id", id)
                .update();
        return note;
    }

    /**
     * A partial credit (a dispute) of {@code subtotal} before tax; its tax is the invoice's rate on it, rounded
     * once, and never more than the tax not credited yet. Refused when it exceeds what is left to credit.
     */
    @Transactional
    public CreditNote credit(UUID id, BigDecimal subtotal, String reason, String by) {
        Invoice invoice = issuedOrPaid(locked(id));
        Currency currency = MinorUnits.currency(invoice.currency());
        if (subtotal == null || subtotal.signum() <= 0 || subtotal.scale() > currency.getDefaultFractionDigits()) {
            throw ApiException.invalid(InvalidField.body(
                    "/amount", "range", "amount must be positive, in " + currency + "'s minor units at most"));
        }
        Credited credited = credited(id);
        BigDecimal left = invoice.subtotal().subtract(credited.subtotal());
        if (subtotal.compareTo(left) > 0) {
            throw new ApiException(
                    BillingErrors.CONFLICT,
                    "only " + left + " " + currency + " of invoice " + invoice.number()
                            + " is left to credit (before tax)");
        }
        BigDecimal rate = invoice.taxRule().get("rate_percent").decimalValue();
        InvoiceTotals totals = InvoiceTotals.of(
                Money.of(subtotal, invoice.currency()).rounded(),
                rate,
                Money.of(invoice.tax().subtract(credited.tax()), invoice.currency()));
        return insertCreditNote(
                invoice, totals.subtotal().amount(), totals.tax().amount(), false, reason, by);
    }

    /**
     * Tokens of a tenant already invoiced for a period, per model and token class (the invoice of the run that billed
     * it, {@code runId}, and the adjustments billed for it since): where late tokens continue in the tiers.
     */
    public Map<String, Long> invoicedTokens(String tenantId, UUID runId, Instant periodStart) {
        Map<String, Long> tokens = new HashMap<>();
        jdbc.sql("""
                        SELECT l.model, l.token_class, sum(l.tokens) AS tokens
                        FROM invoice_line l JOIN invoice i ON i.id = l.invoice_id
                        WHERE i.tenant_id = :tenant AND i.status <> 'void'
                          AND ((i.run_id = :run AND l.kind = 'usage') OR (l.kind = 'adjustment' AND l.usage_period_start
                              = :start))
                        GROUP BY l.model, l.token_class""")
                .param("tenant", tenantId)
                .param("run", runId)
                .param("start", Timestamp.from(periodStart))
                .query((rs, n) ->
                        tokens.put(rs.getString("model") + "/" + rs.getString("token_class"), rs.getLong("tokens")))
                .list();
        return tokens;
    }

    /** Tokens per tenant and token class on the run's usage lines (adjustments are other periods' usage). */
    public Map<String, Map<String, Long>> invoicedUsage(UUID runId) {
        Map<String, Map<String, Long>> tokens = new HashMap<>();
        jdbc.sql("""
                        SELECT i.tenant_id, l.token_class, sum(l.tokens) AS tokens
                        FROM invoice i JOIN invoice_line l ON l.invoice_id = i.id
                        WHERE i.run_id = :run AND l.kind = 'usage' GROUP BY i.tenant_id, l.token_class""")
                .param("run", runId)
                .query((rs, n) -> tokens.computeIfAbsent(rs.getString("tenant_id"), t -> new HashMap<>())
                        .put(rs.getString("token_class"), rs.getLong("tokens")))
                .list();
        return tokens;
    }

    public Optional<Invoice> find(UUID id) {
        return jdbc.sql("SELECT " + INVOICE_COLUMNS + " FROM invoice WHERE id = :id")
                .param("id", id)
                .query(InvoiceRepository::invoice)
                .optional()
                .map(invoice -> invoice.withLines(lines(id)));
    }

    /** A page of invoices, newest period first; every filter is optional. */
    public List<Invoice> list(
            String tenantId,
            InvoiceStatus status,
            String currency,
            Instant periodFrom,
            Instant periodTo,
            UUID runId,
            int page,
            int size) {
        return jdbc.sql("SELECT " + INVOICE_COLUMNS + """
                         FROM invoice
                        WHERE (CAST(:tenant AS text) IS NULL OR tenant_id = :tenant)
                          AND (CAST(:run AS uuid) IS NULL OR run_id = :run)
                          AND (CAST(:status AS text) IS NULL OR status = :status)
                          AND (CAST(:currency AS text) IS NULL OR currency = :currency)
                          AND (CAST(:from AS timestamptz) IS NULL OR period_start >= :from)
                          AND (CAST(:to AS timestamptz) IS NULL OR period_start < :to)
                        ORDER BY period_start DESC, created_at DESC, id
                        LIMIT :size OFFSET :offset""")
                .param("tenant", tenantId)
                .param("status", status == null ? null : status.name().toLowerCase())
                .param("currency", currency)
                .param("from", periodFrom == null ? null : Timestamp.from(periodFrom))
                .param("to", periodTo == null ? null : Timestamp.from(periodTo))
                .param("run", runId)
                .param("size", size)
                .param("offset", (long) page * size)
                .query(InvoiceRepository::invoice)
                .list();
    }

    public List<CreditNote> creditNotes(UUID invoiceId) {
        return jdbc.sql(CREDIT_NOTES + " WHERE c.invoice_id = :id ORDER BY c.created_at, c.number")
                .param("id", invoiceId)
                .query(InvoiceRepository::creditNote)
                .list();
    }

    /** A page of credit notes, newest first; every filter is optional. */
    public List<CreditNote> creditNotes(
            String tenantId, String currency, Instant createdFrom, Instant createdTo, int page, int size) {
        return jdbc.sql(CREDIT_NOTES + """
                         WHERE (CAST(:tenant AS text) IS NULL OR i.tenant_id = :tenant)
                          AND (CAST(:currency AS text) IS NULL OR c.currency = :currency)
                          AND (CAST(:from AS timestamptz) IS NULL OR c.created_at >= :from)
                          AND (CAST(:to AS timestamptz) IS NULL OR c.created_at < :to)
                        ORDER BY c.created_at DESC, c.number DESC LIMIT :size OFFSET :offset""")
                .param("tenant", tenantId)
                .param("currency", currency)
                .param("from", createdFrom == null ? null : Timestamp.from(createdFrom))
                .param("to", createdTo == null ? null : Timestamp.from(createdTo))
                .param("size", size)
                .param("offset", (long) page * size)
                .query(InvoiceRepository::creditNote)
                .list();
    }

    private static final String CREDIT_NOTES = """
            SELECT c.id, c.invoice_id, i.number AS invoice_number, c.number, c.currency, c.subtotal, c.tax, c.total,
                c.full_credit,
                   c.reason, c.created_at
            FROM credit_note c JOIN invoice i ON i.id = c.invoice_id""";

    private static CreditNote creditNote(ResultSet rs, int n) throws SQLException {
        return new CreditNote(
                rs.getObject("id", UUID.class),
                rs.getObject("invoice_id", UUID.class),
                rs.getString("invoice_number"),
                rs.getString("number"),
                rs.getString("currency"),
                rs.getBigDecimal("subtotal"),
                rs.getBigDecimal("tax"),
                rs.getBigDecimal("total"),
                rs.getBoolean("full_credit"),
                rs.getString("reason"),
                rs.getTimestamp("created_at").toInstant());
    }

    private record Credited(BigDecimal subtotal, BigDecimal tax) {}

    private Credited credited(UUID invoiceId) {
        return jdbc.sql(
                        "SELECT COALESCE(sum(subtotal), 0) AS subtotal, COALESCE(sum(tax), 0) AS tax FROM credit_note WHERE invoice_id = :id")
                .param("id", invoiceId)
                .query((rs, n) -> new Credited(rs.getBigDecimal("subtotal"), rs.getBigDecimal("tax")))
                .single();
    }

    private CreditNote insertCreditNote(
            Invoice invoice, BigDecimal subtotal, BigDecimal tax, boolean full, String reason, String by) {
        if (subtotal.signum() <= 0) {
            throw new ApiException(
                    BillingErrors.CONFLICT, "invoice " + invoice.number() + " is fully credited already");
        }
        if (reason == null || reason.isBlank()) {
            throw ApiException.invalid(InvalidField.body("/reason", "required", "a credit note needs a reason"));
        }
        Instant now = clock.instant();
        String number = numbers.next(
                invoice.issuerId(),
                DocumentNumbers.Series.CREDIT_NOTE,
                now.atZone(ZoneOffset.UTC).getYear());
        UUID id = UUID.randomUUID();
        jdbc.sql("""
                        INSERT INTO credit_note (id, invoice_id, number, currency, subtotal, tax, total, full_credit,
                            reason, created_at, created_by)
                        VALUES (:id, :invoice, :number, :currency, :subtotal, :tax, :total, :full, :reason, :now, :by)""")
                .param("id", id)
                .param("invoice", invoice.id())
                .param("number", number)
                .param("currency", invoice.currency())
                .param("subtotal", subtotal)
                .param("tax", tax)
                .param("total", subtotal.add(tax))
                .param("full", full)
                .param("reason", reason.strip())
                .param("now", Timestamp.from(now))
                .param("by", by)
                .update();
        return new CreditNote(
                id,
                invoice.id(),
                invoice.number(),
                number,
                invoice.currency(),
                subtotal,
                tax,
                subtotal.add(tax),
                full,
                reason.strip(),
                now);
    }

    private Invoice locked(UUID id) {
        return jdbc.sql("SELECT " + INVOICE_COLUMNS + " FROM invoice WHERE id = :id FOR UPDATE")
                .param("id", id)
                .query(InvoiceRepository::invoice)
                .optional()
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no invoice " + id));
    }

    private static Invoice issuedOrPaid(Invoice invoice) {
        if (invoice.status() != InvoiceStatus.ISSUED && invoice.status() != InvoiceStatus.PAID) {
            throw new ApiException(
                    BillingErrors.CONFLICT,
                    "credit notes are for issued or paid invoices; this one is "
                            + invoice.status().name().toLowerCase());
        }
        return invoice;
    }

    private List<InvoiceLine> lines(UUID invoiceId) {
        return new ArrayList<>(jdbc.sql("""
                        SELECT id, position, kind, description, model, region, token_class, usage_period_start,
                            usage_period_end, tokens,
                               unit_rate_per_million, book_currency, amount_in_book, fx_rate, fx_date, fx_source, amount
                        FROM invoice_line WHERE invoice_id = :id ORDER BY position""")
                .param("id", invoiceId)
                .query((rs, n) -> new InvoiceLine(
                        rs.getObject("id", UUID.class),
                        rs.getInt("position"),
                        LineKind.valueOf(rs.getString("kind").toUpperCase()),
                        rs.getString("description"),
                        rs.getString("model"),
                        rs.getString("region"),
                        rs.getString("token_class"),
                        instant(rs, "usage_period_start"),
                        instant(rs, "usage_period_end"),
                        rs.getObject("tokens", Long.class),
                        rs.getBigDecimal("unit_rate_per_million"),
                        rs.getString("book_currency"),
                        rs.getBigDecimal("amount_in_book"),
                        rs.getBigDecimal("fx_rate"),
                        rs.getObject("fx_date", java.time.LocalDate.class),
                        rs.getString("fx_source"),
                        rs.getBigDecimal("amount")))
                .list());
    }

    private static Invoice invoice(ResultSet rs, int n) throws SQLException {
        return new Invoice(
                rs.getObject("id", UUID.class),
                rs.getString("number"),
                rs.getString("tenant_id"),
                rs.getString("issuer_id"),
                instant(rs, "period_start"),
                instant(rs, "period_end"),
                rs.getString("currency"),
                InvoiceStatus.valueOf(rs.getString("status").toUpperCase()),
                JSON.readTree(rs.getString("buyer")),
                JSON.readTree(rs.getString("issuer")),
                JSON.readTree(rs.getString("tax_rule")),
                rs.getBigDecimal("subtotal"),
                rs.getBigDecimal("tax"),
                rs.getBigDecimal("total"),
                instant(rs, "created_at"),
                instant(rs, "issued_at"),
                instant(rs, "paid_at"),
                instant(rs, "voided_at"),
                rs.getObject("run_id", UUID.class),
                null);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
