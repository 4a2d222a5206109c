/**
 * Budgets enforced on every model call: a call's maximum cost ({@code CallBudgets}, {@code OutputBound}, the rate
 * cards of package {@code prices}) held on this instance's leases in memory ({@code BudgetLeases}). Billing-service
 * owns the budgets and their ledger; this package reaches it through
 * {@link io.tokenmeter.gateway.budgets.BudgetBook} ({@code BillingBudgetBook}, the internal lease API of
 * {@code contracts.budgets.BudgetLeaseApi}) and keeps no database of its own. The guarantee and its bound are stated
 * in the service README.
 */
package io.tokenmeter.gateway.budgets;
