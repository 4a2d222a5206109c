package io.tokenmeter.contracts.rating;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Locale;

/** The priced token classes; the same names as the usage event's fields (reasoning is part of output). */
public enum TokenClass {
    @JsonProperty("input")
    INPUT,
    @JsonProperty("cached_input")
    CACHED_INPUT,
    @JsonProperty("cache_write")
    CACHE_WRITE,
    @JsonProperty("output")
    OUTPUT;

    /**
     * The wire name, as the annotations say: {@code input}, {@code cached_input}, {@code cache_write}, {@code output}.
     */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The class of a wire name; an unknown one is an {@link IllegalArgumentException}. */
    public static TokenClass fromWire(String wire) {
        for (TokenClass c : values()) {
            if (c.wire().equals(wire)) {
                return c;
            }
        }
        throw new IllegalArgumentException(
                "no token class '" + wire + "'; one of input, cached_input, cache_write, output");
    }
}
