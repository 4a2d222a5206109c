package io.tokenmeter.metering.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/** Usage of one period (and model and/or region, when grouped by them). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageRow(
        @JsonProperty("period_start") Instant periodStart,
        @JsonProperty("period_end") Instant periodEnd,
        @JsonProperty("model") String model,
        @JsonProperty("region") String region,
        @JsonProperty("input_tokens") long inputTokens,
        @JsonProperty("cached_input_tokens") long cachedInputTokens,
        @JsonProperty("cache_write_tokens") long cacheWriteTokens,
        @JsonProperty("output_tokens") long outputTokens,
        @JsonProperty("reasoning_tokens") long reasoningTokens,
        @JsonProperty("requests") long requests,
        @JsonProperty("estimated_requests") long estimatedRequests) {
}
