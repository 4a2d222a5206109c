package io.tokenmeter.billing.export;

import io.tokenmeter.billing.invoice.Invoice;
import io.tokenmeter.billing.invoice.InvoiceLine;
import io.tokenmeter.billing.invoice.InvoiceStatus;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

import java.text.NumberFormat;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An invoice as a PDF: the XHTML template {@code templates/invoice.xhtml} rendered by {@link XhtmlPdf}. Values are
 * formatted here, so the template only places them. Base-14 fonts: a Chinese legal name, say, would not show.
 */
@Component
public class InvoicePdf {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DATE_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC);

    private final XhtmlPdf pdf;

    InvoicePdf(XhtmlPdf pdf) {
        this.pdf = pdf;
    }

    public byte[] render(Invoice invoice) {
        return pdf.render("invoice", model(invoice));
    }

    static Map<String, Object> model(Invoice invoice) {
        String currency = invoice.currency();
        Map<String, Object> model = new HashMap<>();
        model.put("title", invoice.status() == InvoiceStatus.DRAFT ? "Draft invoice" : "Invoice");
        model.put(
                "numberLine",
                switch (invoice.status()) {
                    case DRAFT -> "DRAFT - not a valid invoice until issued";
                    case VOID -> "No. " + invoice.number() + " - VOID (fully credited)";
                    default ->
                        "No. " + invoice.number()
                                + (invoice.issuedAt() == null ? "" : " | Issued " + DATE.format(invoice.issuedAt()));
                });
        model.put("warning", invoice.status() == InvoiceStatus.DRAFT || invoice.status() == InvoiceStatus.VOID);
        model.put(
                "periodLine",
                "Billing period " + DATE_TIME.format(invoice.periodStart()) + " to "
                        + DATE_TIME.format(invoice.periodEnd()) + " UTC (end exclusive)");
        model.put("issuer", party(invoice.issuer(), "country"));
        List<String> buyer = party(invoice.buyer(), "billing_country");
        buyer.add("Tenant " + invoice.tenantId());
        model.put("buyer", buyer);
        model.put("amountHeader", "Amount " + currency);
        NumberFormat tokens = NumberFormat.getIntegerInstance(Locale.US);
        List<Map<String, String>> lines = new ArrayList<>();
        for (InvoiceLine line : invoice.lines()) {
            Map<String, String> row = new HashMap<>();
            row.put("position", Integer.toString(line.position()));
            row.put("description", line.description());
            row.put("tokens", line.tokens() == null ? "" : tokens.format(line.tokens()));
            row.put(
                    "rate",
                    line.unitRatePerMillion() == null
                            ? ""
                            : line.unitRatePerMillion().toPlainString() + " " + line.bookCurrency());
            row.put(
                    "inBook",
                    line.amountInBook() == null ? "" : line.amountInBook().toPlainString() + " " + line.bookCurrency());
            row.put(
                    "fx",
                    line.fxRate() == null
                            ? ""
                            : line.fxRate().toPlainString() + " (" + line.fxDate() + ", " + line.fxSource() + ")");
            row.put("amount", line.amount().toPlainString());
            lines.add(row);
        }
        model.put("lines", lines);
        model.put("subtotal", invoice.subtotal().toPlainString() + " " + currency);
        JsonNode rule = invoice.taxRule();
        model.put(
                "taxLabel",
                rule.path("name").asString("Tax") + " ("
                        + rule.path("rate_percent")
                                .decimalValue()
                                .stripTrailingZeros()
                                .toPlainString() + " %)");
        model.put("tax", invoice.tax().toPlainString() + " " + currency);
        model.put("total", invoice.total().toPlainString() + " " + currency);
        String note = rule.path("legal_note").asString("");
        model.put("legalNote", note.isBlank() ? null : note);
        model.put("footer", "Invoice id " + invoice.id());
        return model;
    }

    private static List<String> party(JsonNode party, String countryField) {
        List<String> rows = new ArrayList<>();
        rows.add(party.path("legal_name").asString(""));
        rows.add(party.path(countryField).asString(""));
        String taxId = party.path("tax_id").asString("");
        if (!taxId.isBlank()) {
            rows.add("Tax id " + taxId);
        }
        return rows;
    }
}
