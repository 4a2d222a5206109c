package io.tokenmeter.gateway.keys;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.gateway.tenants.TenantStatus;

/** An unrevoked key as the authenticator needs it. {@code tenantStatus} is null for staff keys. */
/** {@code requestsPerMinute}: the key's own rate limit, null for the default. */
public record ActiveKey(String keyId, Role role, String tenantId, TenantStatus tenantStatus, Integer requestsPerMinute) {

    public Caller caller() {
        return new Caller(keyId, role, tenantId);
    }

    public boolean suspended() {
        return tenantStatus == TenantStatus.SUSPENDED;
    }
}
