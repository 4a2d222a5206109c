package io.tokenmeter.billing.run;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.calls.ServiceCalls;
import io.tokenmeter.billing.invoice.Invoice;
import io.tokenmeter.billing.invoice.InvoiceLine;
import io.tokenmeter.billing.invoice.InvoiceRepository;
import io.tokenmeter.billing.invoice.LineKind;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

import java.util.UUID;

/**
 * The usage events behind an invoice line, paged: exactly those the run counted, since a line is defined by
 * tenant, model, region, token class, period and the run's cut-off (an adjustment line: the late window between
 * the previous run's cut-off and this run's). The tier and off-peak lines of one model, region and class share
 * the same events: tiers split a period's tokens in time order, not events.
 */
@RestController
class LineageController {

    private final InvoiceRepository ledger;
    private final InvoiceRunRepository runs;
    private final ServiceCalls calls;

    LineageController(InvoiceRepository ledger, InvoiceRunRepository runs, ServiceCalls calls) {
        this.ledger = ledger;
        this.runs = runs;
        this.calls = calls;
    }

    @GetMapping("/api/v1/billing/invoices/{id}/lines/{lineId}/events")
    @Operation(
            summary =
                    "The usage event ids behind an invoice line, paged with the cursor 'after' (tenants: their own invoices)")
    JsonNode events(
            Caller caller,
            @PathVariable UUID id,
            @PathVariable UUID lineId,
            @RequestParam(required = false) String after,
            @RequestParam(defaultValue = "1000") int limit) {
        Invoice invoice = ledger.find(id)
                .filter(i -> Access.mayRead(caller, i.tenantId()))
                .orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no invoice " + id));
        InvoiceLine line = invoice.lines().stream()
                .filter(l -> l.id().equals(lineId))
                .findFirst()
                .orElseThrow(
                        () -> new ApiException(CommonErrors.NOT_FOUND, "invoice " + id + " has no line " + lineId));
        if (invoice.runId() == null || line.model() == null) {
            throw new ApiException(
                    CommonErrors.NOT_FOUND, "line " + lineId + " was not made from metered usage by an invoice run");
        }
        InvoiceRunRepository.Run run = runs.find(invoice.runId()).orElseThrow();
        boolean late = line.kind() == LineKind.ADJUSTMENT;
        return calls.lineage(
                invoice.tenantId(),
                line.model(),
                line.region(),
                line.tokenClass(),
                late ? line.usagePeriodStart() : run.periodStart(),
                late ? line.usagePeriodEnd() : run.periodEnd(),
                late ? run.previousCutoff() : null,
                run.cutoff(),
                after,
                limit);
    }
}
