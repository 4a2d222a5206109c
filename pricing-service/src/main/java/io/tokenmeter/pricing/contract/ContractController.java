package io.tokenmeter.pricing.contract;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.pricing.PricingErrors;
import io.tokenmeter.pricing.invoiced.InvoicedPeriods;
import io.tokenmeter.pricing.pricebook.PriceBookService;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.http.HttpStatus;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

@RestController
class ContractController {

    record ContractRequest(
            String tenantId,
            String priceBookId,
            BigDecimal discountPercent,
            Instant validFrom,
            Instant validTo,
            String backdateReason) {}

    private final ContractRepository contracts;
    private final PriceBookService priceBooks;
    private final AdminAudit audit;
    private final InvoicedPeriods invoiced;

    ContractController(
            ContractRepository contracts, PriceBookService priceBooks, AdminAudit audit, InvoicedPeriods invoiced) {
        this.invoiced = invoiced;
        this.contracts = contracts;
        this.priceBooks = priceBooks;
        this.audit = audit;
    }

    @GetMapping("/api/v1/pricing/contracts")
    @Operation(summary = "A tenant's contracts, the latest to start first (tenants their own; staff name the tenant)")
    List<ContractRepository.Contract> list(
            Caller caller, @RequestParam(name = "tenant_id", required = false) String tenantId) {
        return contracts.ofTenant(
                Access.tenantOf(caller, tenantId, "a tenant key can only see its own tenant's contracts"));
    }

    @PostMapping("/api/v1/pricing/contracts")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    @Operation(summary = "Give a tenant its own price book or a discount on the default book for a period (admin)")
    ContractRepository.Contract create(Caller caller, @RequestBody ContractRequest r) {
        Access.admin(caller);
        if (r.tenantId() == null || r.tenantId().isBlank() || r.validFrom() == null) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body(
                            r.tenantId() == null || r.tenantId().isBlank() ? "/tenant_id" : "/valid_from",
                            "required",
                            "tenant_id and valid_from are required")));
        }
        if ((r.priceBookId() == null) == (r.discountPercent() == null)) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body(
                            "/price_book_id", "one-of", "a contract has either price_book_id or discount_percent")));
        }
        if (r.discountPercent() != null
                && (r.discountPercent().signum() < 0 || r.discountPercent().compareTo(BigDecimal.valueOf(100)) > 0)) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body(
                            "/discount_percent", "range", "discount_percent must be between 0 and 100")));
        }
        if (r.validTo() != null && !r.validTo().isAfter(r.validFrom())) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body("/valid_to", "order", "valid_to must be after valid_from")));
        }
        if (r.priceBookId() != null && !priceBooks.isSellBook(r.priceBookId())) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body("/price_book_id", "exists", "no sell price book " + r.priceBookId())));
        }
        var contract = new ContractRepository.Contract(
                "ctr_" + EventIds.newEventId(),
                r.tenantId(),
                r.priceBookId(),
                r.discountPercent(),
                r.validFrom(),
                r.validTo());
        // a contract that starts in the past reprices its tenant from then on: not over an invoiced period
        boolean backdated = !r.validFrom().isAfter(Instant.now());
        if (backdated) {
            invoiced.lock();
            invoiced.refuseOverInvoiced("a contract for " + r.tenantId(), r.validFrom(), List.of(r.tenantId()));
        }
        String reason =
                backdated && r.backdateReason() != null ? r.backdateReason().strip() : null;
        contracts.insert(contract, caller.keyId(), reason);
        audit.record(
                caller,
                backdated ? "create_backdated" : "create",
                "tenant_contract",
                contract.id(),
                null,
                reason == null ? contract : java.util.Map.of("contract", contract, "backdate_reason", reason));
        return contract;
    }
}
