package io.tokenmeter.contracts.usage;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

import java.time.Instant;
import java.util.UUID;

/**
 * One metered model call: the message the gateway emits to {@link UsageTopics#USAGE_EVENTS} and metering
 * stores. The wire form is {@code schemas/usage-event.v1.schema.json}; {@code UsageEventSchemaTest} keeps the
 * two in step.
 * <p>
 * Token classes are disjoint so they can be priced separately: {@code input_tokens} are uncached input only
 * (OpenAI's {@code prompt_tokens} minus {@code cached_tokens}); {@code reasoning_tokens} are part of
 * {@code output_tokens}, kept for reporting.
 */
public record UsageEvent(
        @JsonProperty(value = "schema_version", required = true) @JsonSetter(nulls = Nulls.FAIL) int schemaVersion,
        @JsonProperty(value = "event_id", required = true) UUID eventId,
        @JsonProperty(value = "tenant_id", required = true) String tenantId,
        @JsonProperty("api_key_id") String apiKeyId,
        @JsonProperty(value = "model", required = true) String model,
        @JsonProperty(value = "provider", required = true) String provider,
        @JsonProperty(value = "region", required = true) String region,
        @JsonProperty(value = "input_tokens", required = true) @JsonSetter(nulls = Nulls.FAIL) long inputTokens,
        @JsonProperty(value = "cached_input_tokens", required = true) @JsonSetter(nulls = Nulls.FAIL) long cachedInputTokens,
        @JsonProperty("cache_write_tokens") long cacheWriteTokens,
        @JsonProperty(value = "output_tokens", required = true) @JsonSetter(nulls = Nulls.FAIL) long outputTokens,
        @JsonProperty("reasoning_tokens") long reasoningTokens,
        @JsonProperty("estimated") boolean estimated,
        @JsonProperty("request_id") String requestId,
        @JsonProperty(value = "status", required = true) UsageStatus status,
        @JsonProperty("latency_ms") long latencyMs,
        @JsonProperty(value = "occurred_at", required = true) Instant occurredAt) {

    public static final int SCHEMA_VERSION = 1;

    public long totalTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens + outputTokens;
    }
}
