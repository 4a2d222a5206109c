/** The usage event: what one metered call consumed, as the gateway emits it and metering stores it. */
package io.tokenmeter.contracts.usage;
