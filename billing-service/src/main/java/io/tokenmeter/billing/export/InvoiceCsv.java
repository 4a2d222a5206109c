package io.tokenmeter.billing.export;

import io.tokenmeter.billing.invoice.Invoice;
import io.tokenmeter.billing.invoice.InvoiceLine;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.List;

/** Invoice lines as CSV, one row per line with its invoice's figures repeated: what an accountant imports. */
final class InvoiceCsv {

    static final String[] COLUMNS = {
        "invoice_number",
        "invoice_id",
        "run_id",
        "status",
        "issuer_id",
        "issued_at",
        "tenant_id",
        "buyer_legal_name",
        "buyer_country",
        "buyer_tax_id",
        "period_start",
        "period_end",
        "currency",
        "line",
        "kind",
        "description",
        "model",
        "region",
        "token_class",
        "usage_period_start",
        "usage_period_end",
        "tokens",
        "unit_rate_per_million",
        "book_currency",
        "amount_in_book",
        "fx_rate",
        "fx_date",
        "fx_source",
        "line_amount",
        "tax_rule",
        "tax_rate_percent",
        "legal_note",
        "invoice_subtotal",
        "invoice_tax",
        "invoice_total"
    };

    private InvoiceCsv() {}

    static void write(List<Invoice> invoices, Writer out) {
        try (CSVPrinter csv =
                CSVFormat.RFC4180.builder().setHeader(COLUMNS).get().print(out)) {
            for (Invoice invoice : invoices) {
                for (InvoiceLine line : invoice.lines()) {
                    csv.printRecord(
                            invoice.number(),
                            invoice.id(),
                            invoice.runId(),
                            invoice.status(),
                            invoice.issuerId(),
                            invoice.issuedAt(),
                            invoice.tenantId(),
                            invoice.buyer().path("legal_name").asString(""),
                            invoice.buyer().path("billing_country").asString(""),
                            invoice.buyer().path("tax_id").asString(""),
                            invoice.periodStart(),
                            invoice.periodEnd(),
                            invoice.currency(),
                            line.position(),
                            line.kind(),
                            line.description(),
                            line.model(),
                            line.region(),
                            line.tokenClass(),
                            line.usagePeriodStart(),
                            line.usagePeriodEnd(),
                            line.tokens(),
                            plain(line.unitRatePerMillion()),
                            line.bookCurrency(),
                            plain(line.amountInBook()),
                            plain(line.fxRate()),
                            line.fxDate(),
                            line.fxSource(),
                            plain(line.amount()),
                            invoice.taxRule().path("name").asString(""),
                            invoice.taxRule().path("rate_percent").asString(""),
                            invoice.taxRule().path("legal_note").asString(""),
                            plain(invoice.subtotal()),
                            plain(invoice.tax()),
                            plain(invoice.total()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String plain(BigDecimal value) {
        return value == null ? null : value.toPlainString();
    }
}
