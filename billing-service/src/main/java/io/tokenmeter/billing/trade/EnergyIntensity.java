package io.tokenmeter.billing.trade;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;

/**
 * The electricity a model's tokens take where they are served: watt-hours per 1,000 input and output tokens, the data
 * centre's PUE (facility energy over IT energy), and the source of the figures. Cached input and cache writes have no
 * figure of their own and are not counted.
 */
public record EnergyIntensity(
        String model,
        String region,
        @JsonProperty("wh_per_1k_input") BigDecimal whPer1kInput,
        @JsonProperty("wh_per_1k_output") BigDecimal whPer1kOutput,
        BigDecimal pue,
        String source,
        Instant changedAt,
        String changedBy) {

    /** Kilowatt-hours for these tokens: (input x in + output x out) / 1,000 tokens x PUE / 1,000 Wh. */
    BigDecimal kwh(long inputTokens, long outputTokens) {
        return whPer1kInput
                .multiply(BigDecimal.valueOf(inputTokens))
                .add(whPer1kOutput.multiply(BigDecimal.valueOf(outputTokens)))
                .multiply(pue)
                .divide(BigDecimal.valueOf(1_000_000), MathContext.DECIMAL64);
    }
}
