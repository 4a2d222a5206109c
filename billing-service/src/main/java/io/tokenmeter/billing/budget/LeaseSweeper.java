package io.tokenmeter.billing.budget;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Closes the leases whose gateway died: every billing instance sweeps; the ledger's row locks make it safe. */
@Component
class LeaseSweeper {

    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);

    private final BudgetLedger ledger;
    private final BudgetProperties properties;
    private final MeterRegistry meters;

    LeaseSweeper(BudgetLedger ledger, BudgetProperties properties, MeterRegistry meters) {
        this.ledger = ledger;
        this.properties = properties;
        this.meters = meters;
    }

    @Scheduled(fixedDelayString = "${tokenmeter.billing.budgets.sweep-every:5s}")
    void expireDeadLeases() {
        int expired = ledger.expire(properties.expiryGrace());
        if (expired > 0) {
            meters.counter("tokenmeter.budget.expired_leases").increment(expired);
            log.warn("closed {} expired budget leases (their gateway stopped renewing them)", expired);
        }
    }
}
