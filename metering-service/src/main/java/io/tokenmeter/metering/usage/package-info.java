/** Tenants' usage, read from the hourly rollups: by hour, day or month, grouped by model and/or region. */
package io.tokenmeter.metering.usage;
