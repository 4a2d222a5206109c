package io.tokenmeter.contracts.budgets;

import com.fasterxml.jackson.annotation.JsonProperty;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A budget's spend reached {@code threshold} percent of its amount in a period: published on {@link #TOPIC}
 * keyed by tenant id, and the body of the tenant's webhook. At most one per budget, period, top-up and threshold;
 * {@code alert_id} lets a consumer drop a redelivery. {@code api_key_id} is null for the tenant's own budget.
 */
public record BudgetThresholdCrossed(
        @JsonProperty("alert_id") UUID alertId,
        @JsonProperty("type") String type,
        @JsonProperty("tenant_id") String tenantId,
        @JsonProperty("budget_id") String budgetId,
        @JsonProperty("api_key_id") String apiKeyId,
        @JsonProperty("threshold_percent") int thresholdPercent,
        @JsonProperty("amount") BigDecimal amount,
        @JsonProperty("spent") BigDecimal spent,
        @JsonProperty("currency") String currency,
        @JsonProperty("period_start") Instant periodStart,
        @JsonProperty("crossed_at") Instant crossedAt) {

    public static final String TOPIC = "budget-alerts.v1";
    public static final String TYPE = "budget.threshold_crossed";

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public BudgetThresholdCrossed {
        Objects.requireNonNull(alertId, "alert_id");
        Objects.requireNonNull(tenantId, "tenant_id");
        Objects.requireNonNull(budgetId, "budget_id");
    }

    public byte[] toJson() {
        return MAPPER.writeValueAsBytes(this);
    }

    public static BudgetThresholdCrossed fromJson(byte[] json) {
        return MAPPER.readValue(json, BudgetThresholdCrossed.class);
    }
}
