package io.tokenmeter.gateway.keys;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.gateway.tenants.TenantStatus;

/** An unrevoked key as the authenticator needs it. {@code tenantStatus} is null for staff keys. */
/** {@code requestsPerMinute}: the key's own rate limit, null for the default. */
public record ActiveKey(
        String keyId,
        Role role,
        String tenantId,
        TenantStatus tenantStatus,
        Integer requestsPerMinute,
        String allowedRegions) {

    /** Where the authenticated key lies on the request: {@code @RequestAttribute(ActiveKey.ATTRIBUTE)}. */
    public static final String ATTRIBUTE = "io.tokenmeter.gateway.keys.ActiveKey";

    /** Whether calls may be served from this region: every region unless the tenant restricted them. */
    public boolean allowsRegion(String region) {
        return allowedRegions == null
                || java.util.List.of(allowedRegions.split(",")).contains(region);
    }

    public Caller caller() {
        return new Caller(keyId, role, tenantId);
    }

    public boolean suspended() {
        return tenantStatus == TenantStatus.SUSPENDED;
    }
}
