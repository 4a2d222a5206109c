package io.tokenmeter.metering.usage;

/** The width of a usage row's period; all periods are UTC. */
public enum Granularity {
    HOUR, DAY, MONTH;

    String sqlUnit() {
        return name().toLowerCase();
    }
}
