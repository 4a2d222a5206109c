/**
 * The request log: one row per metered call, newest first, read from the raw events of one tenant (its own for a
 * tenant key), filtered, keyset-paged, and as CSV.
 */
package io.tokenmeter.metering.requests;
