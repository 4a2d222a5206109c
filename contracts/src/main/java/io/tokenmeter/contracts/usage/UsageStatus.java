package io.tokenmeter.contracts.usage;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the metered call ended. Tokens are billed whatever the status: an upstream charges for them too. */
public enum UsageStatus {
    @JsonProperty("succeeded")
    SUCCEEDED,
    /** The upstream answered with an error after consuming tokens. */
    @JsonProperty("failed")
    FAILED,
    /** The client went away or the stream was cut before the end. */
    @JsonProperty("cancelled")
    CANCELLED;

    private final String wire = name().toLowerCase(java.util.Locale.ROOT);

    /** The JSON and database spelling: {@code succeeded}, {@code failed}, {@code cancelled}. */
    public String wireName() {
        return wire;
    }
}
