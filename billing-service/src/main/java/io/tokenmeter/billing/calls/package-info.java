/**
 * Billing's calls to metering (billable usage, lineage) and pricing (quotes), signed as billing itself, read into the
 * typed records of contracts. Used by invoice runs, lineage and live spend.
 */
package io.tokenmeter.billing.calls;
