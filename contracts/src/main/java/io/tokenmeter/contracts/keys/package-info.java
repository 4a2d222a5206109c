/** Tenants' API keys as their source of truth (the gateway) publishes them: ids and owners, never secrets. */
package io.tokenmeter.contracts.keys;
