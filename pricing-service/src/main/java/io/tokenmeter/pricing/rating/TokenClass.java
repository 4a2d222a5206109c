package io.tokenmeter.pricing.rating;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The priced token classes; the same names as the usage event's fields (reasoning is part of output). */
public enum TokenClass {
    @JsonProperty("input") INPUT,
    @JsonProperty("cached_input") CACHED_INPUT,
    @JsonProperty("cache_write") CACHE_WRITE,
    @JsonProperty("output") OUTPUT
}
