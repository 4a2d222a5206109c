/**
 * The budgets' owner: definitions and their REST API, the ledger of leases and spend in PostgreSQL, the budget
 * charges booked from usage events, threshold alerts (Kafka and a signed webhook). The enforcing side reaches it only
 * through {@link io.tokenmeter.gateway.budgets.BudgetBook} ({@code LedgerBudgetBook}); the design moves this package
 * to billing-service ({@code docs/design/budget-leases.md}).
 */
package io.tokenmeter.gateway.budgetledger;
