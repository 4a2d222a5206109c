/** The gateway's audit endpoint: changes to tenants, keys and budgets, as the starter's audit trail keeps them. */
package io.tokenmeter.gateway.audit;
