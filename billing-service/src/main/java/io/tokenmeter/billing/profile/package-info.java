/** Billing profiles: who is invoiced, learned from the tenants the gateway publishes on tenants.v1. */
package io.tokenmeter.billing.profile;
