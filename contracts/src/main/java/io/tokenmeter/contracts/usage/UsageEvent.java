package io.tokenmeter.contracts.usage;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One metered model call: the message the gateway emits to {@link UsageTopics#USAGE_EVENTS} and metering
 * stores. The wire form is {@code schemas/usage-event.v1.schema.json}; {@code UsageEventSchemaTest} keeps the
 * two in step.
 * <p>
 * Token classes are disjoint so they can be priced separately: {@code input_tokens} are uncached input only
 * (OpenAI's {@code prompt_tokens} minus {@code cached_tokens}); {@code reasoning_tokens} are part of
 * {@code output_tokens}, kept for reporting. {@code budget_charges}, present only on calls held to a budget, say what
 * the call cost on each budget and under which gateway lease (see {@link BudgetCharge}); metering ignores them.
 * {@code streamed}, {@code first_token_ms}, {@code attempts} and {@code cost} (what the answer showed, in
 * {@code cost_currency}) describe the call for the request log; they are optional (absent from events not made by the
 * gateway, and from gateways older than them). The invoice never reads {@code cost}: it prices the tokens itself.
 */
public record UsageEvent(
        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL)
        int schemaVersion,

        @JsonProperty(required = true) UUID eventId,
        @JsonProperty(required = true) String tenantId,
        String apiKeyId,
        @JsonProperty(required = true) String model,
        @JsonProperty(required = true) String provider,
        @JsonProperty(required = true) String region,

        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL)
        long inputTokens,

        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL)
        long cachedInputTokens,

        long cacheWriteTokens,

        @JsonProperty(required = true) @JsonSetter(nulls = Nulls.FAIL)
        long outputTokens,

        long reasoningTokens,
        boolean estimated,
        String requestId,
        @JsonProperty(required = true) UsageStatus status,
        long latencyMs,
        @JsonProperty(required = true) Instant occurredAt,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<BudgetCharge> budgetCharges,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean streamed,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long firstTokenMs,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<UpstreamAttempt> attempts,
        @JsonInclude(JsonInclude.Include.NON_NULL) BigDecimal cost,
        @JsonInclude(JsonInclude.Include.NON_NULL) String costCurrency) {

    public static final int SCHEMA_VERSION = 1;

    /** An event with no budget charges: every call not held to a budget, and every event not made by the gateway. */
    public UsageEvent(
            int schemaVersion,
            UUID eventId,
            String tenantId,
            String apiKeyId,
            String model,
            String provider,
            String region,
            long inputTokens,
            long cachedInputTokens,
            long cacheWriteTokens,
            long outputTokens,
            long reasoningTokens,
            boolean estimated,
            String requestId,
            UsageStatus status,
            long latencyMs,
            Instant occurredAt) {
        this(
                schemaVersion,
                eventId,
                tenantId,
                apiKeyId,
                model,
                provider,
                region,
                inputTokens,
                cachedInputTokens,
                cacheWriteTokens,
                outputTokens,
                reasoningTokens,
                estimated,
                requestId,
                status,
                latencyMs,
                occurredAt,
                (List<BudgetCharge>) null);
    }

    /** An event without the request log's details (streamed, time to first token, attempts). */
    public UsageEvent(
            int schemaVersion,
            UUID eventId,
            String tenantId,
            String apiKeyId,
            String model,
            String provider,
            String region,
            long inputTokens,
            long cachedInputTokens,
            long cacheWriteTokens,
            long outputTokens,
            long reasoningTokens,
            boolean estimated,
            String requestId,
            UsageStatus status,
            long latencyMs,
            Instant occurredAt,
            List<BudgetCharge> budgetCharges) {
        this(
                schemaVersion,
                eventId,
                tenantId,
                apiKeyId,
                model,
                provider,
                region,
                inputTokens,
                cachedInputTokens,
                cacheWriteTokens,
                outputTokens,
                reasoningTokens,
                estimated,
                requestId,
                status,
                latencyMs,
                occurredAt,
                budgetCharges,
                null,
                null,
                null,
                null,
                null);
    }

    public UsageEvent {
        budgetCharges = budgetCharges == null ? List.of() : List.copyOf(budgetCharges);
        attempts = attempts == null ? List.of() : List.copyOf(attempts);
    }

    public long totalTokens() {
        return inputTokens + cachedInputTokens + cacheWriteTokens + outputTokens;
    }
}
