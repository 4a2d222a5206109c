package io.tokenmeter.gateway.keys;

import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

import java.util.Optional;

public interface ApiKeyRepository extends JpaRepository<ApiKey, String> {

    /** The key with this hash, with its tenant's status: one round trip on a cache miss. */
    @Query("""
            SELECT new io.tokenmeter.gateway.keys.ActiveKey(k.id, k.role, k.tenantId,
                CASE WHEN t.status = io.tokenmeter.gateway.tenants.TenantStatus.SUSPENDED THEN TRUE ELSE FALSE END,
                k.requestsPerMinute, t.allowedRegions, t.currency)
            FROM ApiKey k LEFT JOIN io.tokenmeter.gateway.tenants.Tenant t ON t.id = k.tenantId
            WHERE k.keyHash = :hash AND k.revokedAt IS NULL""")
    Optional<ActiveKey> findActiveByHash(String hash);

    boolean existsByKeyHash(String hash);

    java.util.List<ApiKey> findAllByTenantIdOrderByCreatedAtAsc(String tenantId);

    Optional<ApiKey> findByIdAndTenantId(String id, String tenantId);

    /** Finance and admin keys: they belong to no tenant. */
    java.util.List<ApiKey> findAllByTenantIdIsNullOrderByCreatedAtAsc();

    java.util.List<ApiKey> findAllByTenantIdIsNotNull();

    Optional<ApiKey> findByIdAndTenantIdIsNull(String id);

    long countByRoleAndTenantIdIsNullAndRevokedAtIsNull(io.tokenmeter.contracts.identity.Role role);
}
