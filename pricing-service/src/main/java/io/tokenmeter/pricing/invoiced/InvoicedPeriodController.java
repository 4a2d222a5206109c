package io.tokenmeter.pricing.invoiced;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.rating.InvoicedPeriodApi;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Billing's side door: an invoice about to be issued. Only billing itself; the gateway routes no /api/internal/. */
@RestController
class InvoicedPeriodController {

    private final InvoicedPeriods periods;

    InvoicedPeriodController(InvoicedPeriods periods) {
        this.periods = periods;
    }

    @PostMapping(InvoicedPeriodApi.PATH)
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    @Operation(
            summary = "Record an invoice being issued; 409 when its period's prices changed after its draft (billing)")
    void record(@RequestBody InvoicedPeriodApi.InvoicedPeriod invoice, Caller caller) {
        if (!InvoicedPeriodApi.BILLING_CALLER.equals(caller.keyId())) {
            throw new ApiException(CommonErrors.FORBIDDEN, "invoiced periods are billing's own business");
        }
        if (invoice.invoiceNumber() == null
                || invoice.tenantId() == null
                || invoice.periodStart() == null
                || invoice.periodEnd() == null
                || invoice.draftedAt() == null
                || !invoice.periodEnd().isAfter(invoice.periodStart())) {
            throw ApiException.invalid(InvalidField.body(
                    "",
                    "required",
                    "invoice_number, tenant_id, period_start < period_end and drafted_at are required"));
        }
        periods.record(invoice);
    }
}
