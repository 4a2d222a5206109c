/** Billable usage: what an invoice counts, as of an ingest cut-off, from the raw events. */
package io.tokenmeter.metering.billable;
