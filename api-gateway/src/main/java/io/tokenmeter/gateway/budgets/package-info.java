/**
 * Budgets enforced on every model call: a call's maximum cost ({@code CallBudgets}, {@code OutputBound}, the rate
 * cards) held on this instance's leases in memory ({@code BudgetLeases}). It knows the budgets' owner only through
 * {@link io.tokenmeter.gateway.budgets.BudgetBook} and the wire shapes of {@code contracts.budgets.BudgetLeaseApi},
 * so that the owner can move to billing-service. The guarantee and its bound are stated in the service README.
 */
package io.tokenmeter.gateway.budgets;
