package io.tokenmeter.contracts.json;

import tools.jackson.core.StreamWriteFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * How TokenMeter writes JSON on every wire (its REST APIs, Kafka, calls between services): snake_case property
 * names from the Java names, so records need no {@code @JsonProperty} unless a wire name differs from the Java
 * one; unknown properties ignored, so a newer producer may add optional fields without stopping an older reader;
 * decimals written plain.
 * A Spring service gets this through the service starter; plain code (codecs, a record's static helper) uses
 * {@link #MAPPER}.
 */
public final class WireJson {

    /** A mapper with the wire settings, for code that is not a Spring bean. */
    public static final JsonMapper MAPPER = configure(JsonMapper.builder()).build();

    private WireJson() {}

    /** Applies the wire settings to a builder (Boot's, through the starter, or a codec's own stricter one). */
    public static JsonMapper.Builder configure(JsonMapper.Builder builder) {
        return builder.propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // money as plain decimals: a call's cost is 0.0000412, never 4.12E-5
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN);
    }
}
