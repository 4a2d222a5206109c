/** Tenants' API keys as billing knows them from tenant-keys.v1: which tenant owns which key id, nothing secret. */
package io.tokenmeter.billing.tenantkeys;
