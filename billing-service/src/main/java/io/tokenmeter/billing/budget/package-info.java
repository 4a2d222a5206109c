/**
 * Budgets, owned here: definitions and their REST API, the ledger of the gateway instances' leases and of spend in
 * PostgreSQL, the budget charges booked from usage events, threshold alerts (Kafka and a signed webhook), and the
 * internal lease API the gateway enforces them through ({@code contracts.budgets.BudgetLeaseApi};
 * {@code docs/design/budget-leases.md}).
 */
package io.tokenmeter.billing.budget;
