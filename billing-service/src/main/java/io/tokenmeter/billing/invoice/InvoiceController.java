package io.tokenmeter.billing.invoice;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.BillingErrors;
import io.tokenmeter.billing.Page;
import io.tokenmeter.billing.calls.ServiceCalls;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.rating.InvoicedPeriodApi;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Invoices and credit notes over REST: finance issues, records payment, voids and credits; tenants read their
 * own (another tenant's invoice is "not found", so its existence does not leak).
 */
@RestController
class InvoiceController {

    record CreditRequest(BigDecimal amount, String reason) {}

    record VoidRequest(String reason) {}

    private final InvoiceRepository ledger;
    private final ServiceCalls calls;

    InvoiceController(InvoiceRepository ledger, ServiceCalls calls) {
        this.calls = calls;
        this.ledger = ledger;
    }

    @GetMapping("/api/v1/billing/invoices")
    @Operation(summary = "Invoices, newest period first, paged and filtered (tenants: their own only)")
    Page<Invoice> list(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(required = false) InvoiceStatus status,
            @RequestParam(required = false) String currency,
            @RequestParam(name = "period_from", required = false) Instant periodFrom,
            @RequestParam(name = "period_to", required = false) Instant periodTo,
            @RequestParam(name = "run_id", required = false) UUID runId,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        String tenant = ownTenant(caller, tenantId);
        Page.check(page, size);
        return new Page<>(ledger.list(tenant, status, currency, periodFrom, periodTo, runId, page, size), page, size);
    }

    /** A tenant key lists its own documents, whatever it asks; staff may name a tenant or none. */
    private static String ownTenant(Caller caller, String requested) {
        return Access.tenantOrAll(caller, requested, "a tenant key can only list its own invoices and credit notes");
    }

    @GetMapping("/api/v1/billing/credit-notes")
    @Operation(summary = "Credit notes, newest first, paged and filtered (tenants: their own only)")
    Page<CreditNote> creditNotes(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(required = false) String currency,
            @RequestParam(name = "created_from", required = false) Instant createdFrom,
            @RequestParam(name = "created_to", required = false) Instant createdTo,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "50") int size) {
        String tenant = ownTenant(caller, tenantId);
        Page.check(page, size);
        return new Page<>(ledger.creditNotes(tenant, currency, createdFrom, createdTo, page, size), page, size);
    }

    @GetMapping("/api/v1/billing/invoices/{id}")
    @Operation(summary = "An invoice with its lines (tenants: their own only)")
    Invoice get(Caller caller, @PathVariable UUID id) {
        return readable(caller, id);
    }

    @GetMapping("/api/v1/billing/invoices/{id}/credit-notes")
    @Operation(summary = "The credit notes of an invoice (tenants: their own only)")
    List<CreditNote> creditNotes(Caller caller, @PathVariable UUID id) {
        readable(caller, id);
        return ledger.creditNotes(id);
    }

    @PostMapping("/api/v1/billing/invoices/{id}/issue")
    @Operation(summary = "Issue a draft (finance): numbered without gaps per issuer and year, immutable from now on")
    Invoice issue(Caller caller, @PathVariable UUID id) {
        Access.finance(caller);
        // pricing hears of the invoice before it is issued, so a back-dated price can never reach its period, and
        // refuses a draft priced before its period's prices changed
        return ledger.issue(id, (draft, number) -> {
            try {
                calls.recordInvoicedPeriod(new InvoicedPeriodApi.InvoicedPeriod(
                        number, draft.tenantId(), draft.periodStart(), draft.periodEnd(), draft.createdAt()));
            } catch (ServiceCalls.ServiceCallException e) {
                throw new ApiException(
                        e.status() == 409 ? BillingErrors.CONFLICT : BillingErrors.SERVICE_CALL_FAILED,
                        "invoice not issued: " + e.getMessage());
            }
        });
    }

    @PostMapping("/api/v1/billing/invoices/{id}/pay")
    @Operation(summary = "Record the payment of an issued invoice (finance)")
    Invoice pay(Caller caller, @PathVariable UUID id) {
        Access.finance(caller);
        return ledger.markPaid(id);
    }

    @PostMapping("/api/v1/billing/invoices/{id}/void")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Void an issued invoice with a full credit note (finance)")
    CreditNote voidInvoice(Caller caller, @PathVariable UUID id, @RequestBody VoidRequest body) {
        Access.finance(caller);
        return ledger.voidInvoice(id, body.reason(), caller.keyId());
    }

    @PostMapping("/api/v1/billing/invoices/{id}/credit-notes")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "A partial credit note (finance): amount before tax; the invoice's tax rate applies")
    CreditNote credit(Caller caller, @PathVariable UUID id, @RequestBody CreditRequest body) {
        Access.finance(caller);
        return ledger.credit(id, body.amount(), body.reason(), caller.keyId());
    }

    private Invoice readable(Caller caller, UUID id) {
        Invoice invoice =
                ledger.find(id).orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no invoice " + id));
        if (!Access.mayRead(caller, invoice.tenantId())) {
            throw new ApiException(CommonErrors.NOT_FOUND, "no invoice " + id);
        }
        return invoice;
    }
}
