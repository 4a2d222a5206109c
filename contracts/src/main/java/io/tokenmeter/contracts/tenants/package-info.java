/** Tenants as their source of truth (the gateway's admin API) publishes them, for the services that need them. */
package io.tokenmeter.contracts.tenants;
