package io.tokenmeter.metering.requests;

import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.usage.UpstreamAttempt;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One metered call as the request log shows it: when it ended, who made it, where it was served, its tokens; and,
 * where the gateway said, whether it streamed, the time to its first answer data, the routes tried before (in the
 * CSV a JSON array) and what the call cost as its answer showed it (unrounded, in {@code costCurrency}).
 */
public record RequestRow(
        Instant occurredAt,
        UUID eventId,
        String requestId,
        String apiKeyId,
        String model,
        String provider,
        String region,
        String status,
        long latencyMs,
        boolean estimated,
        long inputTokens,
        long cachedInputTokens,
        long cacheWriteTokens,
        long outputTokens,
        long reasoningTokens,
        Boolean streamed,
        Long firstTokenMs,
        List<UpstreamAttempt> attempts,
        BigDecimal cost,
        String costCurrency) {

    /** The CSV columns, in order; {@link #csvValues()} gives one row of them. */
    static final String[] CSV_HEADER = {
        "occurred_at",
        "event_id",
        "request_id",
        "api_key_id",
        "model",
        "provider",
        "region",
        "status",
        "latency_ms",
        "estimated",
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
        "reasoning_tokens",
        "streamed",
        "first_token_ms",
        "attempts",
        "cost",
        "cost_currency"
    };

    Object[] csvValues() {
        return new Object[] {
            occurredAt,
            eventId,
            requestId,
            apiKeyId,
            model,
            provider,
            region,
            status,
            latencyMs,
            estimated,
            inputTokens,
            cachedInputTokens,
            cacheWriteTokens,
            outputTokens,
            reasoningTokens,
            streamed,
            firstTokenMs,
            attempts.isEmpty() ? null : WireJson.MAPPER.writeValueAsString(attempts),
            cost == null ? null : cost.toPlainString(),
            costCurrency
        };
    }
}
