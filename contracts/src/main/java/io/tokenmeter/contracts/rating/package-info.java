/** Pricing's rating API on the wire: quotes for billing, rate cards for the gateway's budgets. */
package io.tokenmeter.contracts.rating;
