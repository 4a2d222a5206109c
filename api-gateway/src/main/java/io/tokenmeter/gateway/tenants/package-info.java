/** Tenants: who buys tokens, in which country and currency, and whether they may call. */
package io.tokenmeter.gateway.tenants;
