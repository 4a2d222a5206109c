package io.tokenmeter.contracts.keys;

import io.tokenmeter.contracts.json.WireJson;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.Objects;

/**
 * A tenant's API key as the gateway (its source of truth) knows it now: its id, its tenant and whether it is revoked;
 * never its secret or hash. The whole state on the compacted topic {@link #TOPIC}, keyed by key id, so a consumer that
 * reads the topic from the start knows every tenant key. Billing checks with it that a key budget names a key of its
 * tenant. Staff keys are not published.
 */
public record TenantKeyChanged(String keyId, String tenantId, Instant createdAt, Instant revokedAt) {

    /** Compacted, keyed by key id; partitions and config in {@code infra/kafka/topics.txt}. */
    public static final String TOPIC = "tenant-keys.v1";

    private static final JsonMapper MAPPER = WireJson.MAPPER;

    public TenantKeyChanged {
        Objects.requireNonNull(keyId, "key_id");
        Objects.requireNonNull(tenantId, "tenant_id");
        Objects.requireNonNull(createdAt, "created_at");
    }

    public byte[] toJson() {
        return MAPPER.writeValueAsBytes(this);
    }

    public static TenantKeyChanged fromJson(byte[] json) {
        return MAPPER.readValue(json, TenantKeyChanged.class);
    }
}
