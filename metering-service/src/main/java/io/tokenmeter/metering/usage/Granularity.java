package io.tokenmeter.metering.usage;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The width of a usage row's period; all periods are UTC. */
public enum Granularity {
    @JsonProperty("hour")
    HOUR,
    @JsonProperty("day")
    DAY,
    @JsonProperty("month")
    MONTH;

    String sqlUnit() {
        return name().toLowerCase();
    }
}
