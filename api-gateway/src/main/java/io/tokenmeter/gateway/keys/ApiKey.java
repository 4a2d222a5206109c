package io.tokenmeter.gateway.keys;

import io.tokenmeter.contracts.identity.Role;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

@Entity
@Table(name = "api_key")
public class ApiKey {

    @Id
    private String id;

    @Column(name = "tenant_id")
    private String tenantId;

    @Enumerated(EnumType.STRING)
    private Role role;

    private String name;

    @Column(name = "key_prefix")
    private String keyPrefix;

    @Column(name = "key_hash")
    private String keyHash;

    @Column(name = "created_at")
    private Instant createdAt;

    @Column(name = "created_by")
    private String createdBy;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    @Column(name = "requests_per_minute")
    private Integer requestsPerMinute;

    protected ApiKey() {}

    ApiKey(
            String id,
            String tenantId,
            Role role,
            String name,
            String keyPrefix,
            String keyHash,
            String createdBy,
            Integer requestsPerMinute) {
        this.requestsPerMinute = requestsPerMinute;
        this.id = id;
        this.tenantId = tenantId;
        this.role = role;
        this.name = name;
        this.keyPrefix = keyPrefix;
        this.keyHash = keyHash;
        this.createdAt = Instant.now();
        this.createdBy = createdBy;
    }

    public void revoke() {
        if (revokedAt == null) {
            revokedAt = Instant.now();
        }
    }

    public String getId() {
        return id;
    }

    public String getTenantId() {
        return tenantId;
    }

    public Role getRole() {
        return role;
    }

    public String getName() {
        return name;
    }

    public String getKeyPrefix() {
        return keyPrefix;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Integer getRequestsPerMinute() {
        return requestsPerMinute;
    }

    public Instant getRevokedAt() {
        return revokedAt;
    }
}
