package io.tokenmeter.gateway.tenants;

public enum TenantStatus {
    ACTIVE,
    SUSPENDED
}
