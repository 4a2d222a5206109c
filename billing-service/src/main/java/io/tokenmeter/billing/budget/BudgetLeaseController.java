package io.tokenmeter.billing.budget;

import io.swagger.v3.oas.annotations.Hidden;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseGrant;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRelease;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/**
 * The gateway's side door to the ledger: which budgets a key is held to, and its instances' leases. Only the gateway
 * itself may call it (signed as {@link BudgetLeaseApi#GATEWAY_ITSELF}); the gateway routes no {@code /api/internal/}
 * path, so no API key reaches it.
 */
@Hidden
@RestController
class BudgetLeaseController {

    private final BudgetRepository budgets;
    private final BudgetLedger ledger;

    BudgetLeaseController(BudgetRepository budgets, BudgetLedger ledger) {
        this.budgets = budgets;
        this.ledger = ledger;
    }

    @GetMapping(BudgetLeaseApi.APPLICABLE_PATH)
    List<ApplicableBudget> applicable(
            @RequestParam("tenant_id") String tenantId, @RequestParam("key_id") String keyId, Caller caller) {
        gatewayOnly(caller);
        return budgets.applicableTo(tenantId, keyId).stream()
                .map(Budget::applicable)
                .toList();
    }

    @PostMapping(BudgetLeaseApi.LEASES_PATH)
    LeaseGrant renew(@RequestBody LeaseRequest request, Caller caller) {
        gatewayOnly(caller);
        return ledger.renew(request);
    }

    @PostMapping(BudgetLeaseApi.RELEASE_PATH)
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void release(@RequestBody LeaseRelease release, Caller caller) {
        gatewayOnly(caller);
        ledger.release(release.leaseId(), release.reported());
    }

    private static void gatewayOnly(Caller caller) {
        if (!caller.equals(BudgetLeaseApi.GATEWAY_ITSELF)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "budget leases are the gateway's own business");
        }
    }
}
