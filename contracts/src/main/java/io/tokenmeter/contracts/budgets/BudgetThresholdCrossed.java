package io.tokenmeter.contracts.budgets;

import io.tokenmeter.contracts.json.WireJson;
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
        UUID alertId,
        String type,
        String tenantId,
        String budgetId,
        String apiKeyId,
        int thresholdPercent,
        BigDecimal amount,
        BigDecimal spent,
        String currency,
        Instant periodStart,
        Instant crossedAt) {

    public static final String TOPIC = "budget-alerts.v1";
    public static final String TYPE = "budget.threshold_crossed";

    private static final JsonMapper MAPPER = WireJson.MAPPER;

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
