package io.tokenmeter.billing.export;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.Page;
import io.tokenmeter.billing.invoice.Invoice;
import io.tokenmeter.billing.invoice.InvoiceRepository;
import io.tokenmeter.billing.invoice.InvoiceStatus;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Documents: an invoice's PDF (tenants: their own), and the invoice lines as CSV for finance. */
@RestController
class ExportController {

    private static final int PAGE = Page.MAX_SIZE;

    private final InvoiceRepository ledger;
    private final InvoicePdf pdf;

    ExportController(InvoiceRepository ledger, InvoicePdf pdf) {
        this.ledger = ledger;
        this.pdf = pdf;
    }

    @GetMapping("/api/v1/billing/invoices/{id}/pdf")
    @Operation(summary = "An invoice as PDF (tenants: their own only)")
    ResponseEntity<byte[]> pdf(Caller caller, @PathVariable UUID id) {
        Invoice invoice = ledger.find(id)
                .filter(i -> Access.mayRead(caller, i.tenantId()))
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no invoice " + id));
        String name = (invoice.number() == null ? "draft-" + invoice.id() : invoice.number()) + ".pdf";
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_PDF)
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.inline().filename(name).build().toString())
                .body(pdf.render(invoice));
    }

    @GetMapping(path = "/api/v1/billing/exports/invoice-lines.csv", produces = "text/csv")
    @Operation(
            summary =
                    "Invoice lines as CSV, one row per line, filtered like the invoice list; run_id gives a run's CSV (finance)")
    ResponseEntity<byte[]> invoiceLines(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(required = false) InvoiceStatus status,
            @RequestParam(required = false) String currency,
            @RequestParam(name = "period_from", required = false) Instant periodFrom,
            @RequestParam(name = "period_to", required = false) Instant periodTo,
            @RequestParam(name = "run_id", required = false) UUID runId) {
        Access.finance(caller);
        List<Invoice> invoices = new ArrayList<>();
        for (int page = 0; ; page++) {
            List<Invoice> batch = ledger.list(tenantId, status, currency, periodFrom, periodTo, runId, page, PAGE);
            batch.forEach(i -> invoices.add(ledger.find(i.id()).orElseThrow()));
            if (batch.size() < PAGE) {
                break;
            }
        }
        StringWriter csv = new StringWriter();
        InvoiceCsv.write(invoices, csv);
        return ResponseEntity.ok()
                .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment()
                                .filename("invoice-lines.csv")
                                .build()
                                .toString())
                .body(csv.toString().getBytes(StandardCharsets.UTF_8));
    }
}
