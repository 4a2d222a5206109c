/** Tenant contracts: a tenant's own price book, or a discount on the default one, for a period. */
package io.tokenmeter.pricing.contract;
