/**
 * Daily rollups: a UTC day's hourly rollups are summed into one row per tenant, model and region once the day is
 * sealed, so that a query by day or month reads a thirtieth of the rows. Ingest keeps the sealed days right for events
 * that arrive late (see migration V3).
 */
package io.tokenmeter.metering.rollups;
