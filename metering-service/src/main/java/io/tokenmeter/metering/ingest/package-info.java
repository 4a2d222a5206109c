/**
 * Getting usage events in: the Kafka batch consumer, validation and dead-lettering, and the store that
 * deduplicates on event id and keeps raw events and rollups in one transaction.
 */
package io.tokenmeter.metering.ingest;
