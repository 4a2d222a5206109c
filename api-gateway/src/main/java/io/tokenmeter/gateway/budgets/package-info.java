/**
 * Spend caps per tenant and per key, enforced on every model call by reserve-and-settle in PostgreSQL, with
 * threshold alerts (Kafka and a signed webhook). The guarantee and its bound are stated in the service README.
 */
package io.tokenmeter.gateway.budgets;
