/** The audit log of admin changes at the gateway: tenants and keys. */
package io.tokenmeter.gateway.audit;
