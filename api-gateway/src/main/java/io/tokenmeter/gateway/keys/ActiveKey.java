package io.tokenmeter.gateway.keys;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.gateway.tenants.TenantStatus;

/** An unrevoked key as the authenticator needs it. {@code tenantStatus} is null for staff keys. */
public record ActiveKey(String keyId, Role role, String tenantId, TenantStatus tenantStatus) {

    public Caller caller() {
        return new Caller(keyId, role, tenantId);
    }

    public boolean suspended() {
        return tenantStatus == TenantStatus.SUSPENDED;
    }
}
