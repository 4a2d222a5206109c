package io.tokenmeter.contracts.usage;

import java.math.BigDecimal;
import java.util.UUID;

/**
 * What one metered call cost on one budget, in the budget's currency, and the gateway lease it was admitted under.
 * Billing, which owns budgets, books these from the usage events, so the spend of a gateway that died holding a lease
 * is still counted: the event outlives the process that admitted the call.
 */
public record BudgetCharge(UUID leaseId, String budgetId, BigDecimal amount) {}
