package io.tokenmeter.billing.run;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.billing.Page;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.UUID;

@RestController
class InvoiceRunController {

    /**
     * {@code period}: a calendar month UTC ({@code 2026-02}); or {@code from} and {@code to} for another billing
     * period.
     */
    record RunRequest(String period, Instant from, Instant to) {}

    private final InvoiceRunService runs;

    InvoiceRunController(InvoiceRunService runs) {
        this.runs = runs;
    }

    @PostMapping("/api/v1/billing/runs")
    @Operation(
            summary =
                    "Run billing for a closed period (finance): 202 with the new run, or 200 with the run of that period if it exists")
    ResponseEntity<InvoiceRun> start(Caller caller, @RequestBody RunRequest request) {
        Access.finance(caller);
        Instant from;
        Instant to;
        if (request.period() != null) {
            YearMonth month;
            try {
                month = YearMonth.parse(request.period());
            } catch (DateTimeParseException e) {
                throw ApiException.invalid(InvalidField.body(
                        "/period", "format", "period is a calendar month like 2026-02: " + request.period()));
            }
            from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
            to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        } else if (request.from() != null
                && request.to() != null
                && request.to().isAfter(request.from())) {
            from = request.from();
            to = request.to();
        } else {
            throw ApiException.invalid(
                    InvalidField.body("/period", "required", "give a period (2026-02) or from and to, to after from"));
        }
        InvoiceRunService.Started started = runs.start(from, to, caller.keyId());
        return ResponseEntity.status(started.created() ? HttpStatus.ACCEPTED : HttpStatus.OK)
                .body(started.run());
    }

    @GetMapping("/api/v1/billing/runs")
    @Operation(summary = "The runs, newest period first, paged (finance, admin)")
    Page<InvoiceRun> list(
            Caller caller, @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "50") int size) {
        Access.staff(caller);
        Page.check(page, size);
        return new Page<>(runs.list(page, size), page, size);
    }

    @GetMapping("/api/v1/billing/runs/{id}")
    @Operation(summary = "A run's progress: tenants invoiced, failed (with why) and pending (finance, admin)")
    InvoiceRun get(Caller caller, @PathVariable UUID id) {
        Access.staff(caller);
        return runs.view(id);
    }

    @GetMapping("/api/v1/billing/runs/{id}/reconciliation")
    @Operation(
            summary =
                    "Metered against invoiced tokens per tenant and class, differences with their cause, late arrivals (finance, admin)")
    Reconciliation reconciliation(Caller caller, @PathVariable UUID id) {
        Access.staff(caller);
        return runs.reconcile(id);
    }

    @PostMapping("/api/v1/billing/runs/{id}/rerate")
    @Operation(
            summary = "Price a run's drafts again and retry its failed tenants, after its period's prices changed"
                    + " (finance)")
    InvoiceRunService.Rerated rerate(Caller caller, @PathVariable UUID id) {
        Access.finance(caller);
        return runs.rerate(id);
    }

    @PostMapping("/api/v1/billing/runs/{id}/tenants/{tenantId}/retry")
    @Operation(summary = "Retry one failed tenant of a run (finance)")
    InvoiceRun retry(Caller caller, @PathVariable UUID id, @PathVariable String tenantId) {
        Access.finance(caller);
        return runs.retry(id, tenantId);
    }
}
