package io.tokenmeter.contracts.tenants;

import io.tokenmeter.contracts.json.WireJson;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.Objects;

/**
 * A tenant as the gateway (its source of truth) knows it now: the whole state, not a diff, on the compacted
 * topic {@link #TOPIC} keyed by tenant id, so a consumer that reads the topic from the start knows every
 * tenant. Billing learns its billing profiles from it. {@code taxId} is null for a buyer without one (a
 * consumer, for tax purposes); {@code issuerId} names our issuing entity for it, null for billing's default one.
 */
public record TenantProfileChanged(
        String tenantId,
        String name,
        String legalName,
        String billingCountry,
        String taxId,
        String currency,
        String issuerId,
        String status,
        Instant changedAt) {

    /** Compacted, keyed by tenant id; partitions and config in {@code infra/kafka/topics.txt}. */
    public static final String TOPIC = "tenants.v1";

    private static final JsonMapper MAPPER = WireJson.MAPPER;

    public TenantProfileChanged {
        Objects.requireNonNull(tenantId, "tenant_id");
        Objects.requireNonNull(billingCountry, "billing_country");
        Objects.requireNonNull(currency, "currency");
        Objects.requireNonNull(changedAt, "changed_at");
    }

    public byte[] toJson() {
        return MAPPER.writeValueAsBytes(this);
    }

    public static TenantProfileChanged fromJson(byte[] json) {
        return MAPPER.readValue(json, TenantProfileChanged.class);
    }
}
