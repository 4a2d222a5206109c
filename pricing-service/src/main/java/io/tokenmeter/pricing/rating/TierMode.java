package io.tokenmeter.pricing.rating;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum TierMode {
    /** Each tier's tokens at that tier's rate. */
    @JsonProperty("graduated")
    GRADUATED,
    /** All tokens at the rate of the tier reached (with no cliff; see {@link TieredRate}). */
    @JsonProperty("volume")
    VOLUME
}
