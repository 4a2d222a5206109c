package io.tokenmeter.gateway.budgetledger;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseGrant;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRelease;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;
import io.tokenmeter.gateway.budgets.BudgetBook;
import io.tokenmeter.gateway.budgets.BudgetProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.util.List;

/**
 * The budget book the enforcing side uses, answered in process from this service's database. When the owner moves
 * to billing, an HTTP client of the same {@link BudgetBook} replaces it, and this package goes with the owner. Also
 * sweeps the leases whose gateway died.
 */
@Component
class LedgerBudgetBook implements BudgetBook {

    private static final Logger log = LoggerFactory.getLogger(LedgerBudgetBook.class);

    private final BudgetRepository budgets;
    private final BudgetLedger ledger;
    private final BudgetProperties enforcement;
    private final BudgetLedgerProperties properties;
    private final MeterRegistry meters;

    LedgerBudgetBook(
            BudgetRepository budgets,
            BudgetLedger ledger,
            BudgetProperties enforcement,
            BudgetLedgerProperties properties,
            MeterRegistry meters) {
        this.budgets = budgets;
        this.ledger = ledger;
        this.enforcement = enforcement;
        this.properties = properties;
        this.meters = meters;
    }

    @Override
    public List<ApplicableBudget> applicableTo(String tenantId, String keyId) {
        return budgets.applicableTo(tenantId, keyId).stream()
                .map(Budget::applicable)
                .toList();
    }

    @Override
    public LeaseGrant renew(LeaseRequest request) {
        return ledger.renew(request);
    }

    @Override
    public void release(LeaseRelease release) {
        ledger.release(release.leaseId(), release.reported());
    }

    /** Every instance sweeps; the ledger's row locks make it safe, and a dead instance's leases need a live one. */
    @Scheduled(fixedDelayString = "${tokenmeter.gateway.budgets.sweep-every:5s}")
    void expireDeadLeases() {
        if (!enforcement.enabled()) {
            return;
        }
        int expired = ledger.expire(properties.expiryGrace());
        if (expired > 0) {
            meters.counter("tokenmeter.budget.expired_leases").increment(expired);
            log.warn("closed {} expired budget leases (their gateway stopped renewing them)", expired);
        }
    }
}
