/** Tenants' usage, read from the hourly and daily rollups: by hour, day or month, grouped by model and/or region. */
package io.tokenmeter.metering.usage;
