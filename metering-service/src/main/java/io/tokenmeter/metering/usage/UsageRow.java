package io.tokenmeter.metering.usage;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/** Usage of one period (and model and/or region, when grouped by them). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageRow(
        Instant periodStart,
        Instant periodEnd,
        String model,
        String region,
        long inputTokens,
        long cachedInputTokens,
        long cacheWriteTokens,
        long outputTokens,
        long reasoningTokens,
        long requests,
        long estimatedRequests) {}
