/** Caller identity: roles, and the signed header the gateway forwards to the services. */
package io.tokenmeter.contracts.identity;
