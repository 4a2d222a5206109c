package io.tokenmeter.billing.tenantkeys;

import io.tokenmeter.contracts.keys.TenantKeyChanged;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;

/** The tenant keys learned from tenant-keys.v1. A key never changes tenant; only its revocation can follow. */
@Repository
public class TenantKeys {

    private final JdbcClient jdbc;

    TenantKeys(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void apply(TenantKeyChanged key) {
        jdbc.sql("""
                        INSERT INTO tenant_key (key_id, tenant_id, created_at, revoked_at)
                        VALUES (:key, :tenant, :created, :revoked)
                        ON CONFLICT (key_id) DO UPDATE SET revoked_at = coalesce(excluded.revoked_at, tenant_key.revoked_at)""")
                .param("key", key.keyId())
                .param("tenant", key.tenantId())
                .param("created", Timestamp.from(key.createdAt()))
                .param("revoked", key.revokedAt() == null ? null : Timestamp.from(key.revokedAt()))
                .update();
    }

    /** Whether the key is the tenant's (revoked or not: a revoked key's budget may still be read and removed). */
    public boolean belongsTo(String keyId, String tenantId) {
        return jdbc.sql("SELECT count(*) FROM tenant_key WHERE key_id = :key AND tenant_id = :tenant")
                        .param("key", keyId)
                        .param("tenant", tenantId)
                        .query(Long.class)
                        .single()
                > 0;
    }
}
