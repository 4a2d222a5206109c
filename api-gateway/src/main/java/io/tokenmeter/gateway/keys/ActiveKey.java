package io.tokenmeter.gateway.keys;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;

/**
 * An unrevoked key as the authenticator needs it, with what it needs of its tenant as plain data: whether the tenant
 * is suspended (never for staff keys), its allowed regions and its invoice currency (each call's cost is shown in
 * it). {@code requestsPerMinute}: the key's own rate limit, null for the default.
 */
public record ActiveKey(
        String keyId,
        Role role,
        String tenantId,
        boolean tenantSuspended,
        Integer requestsPerMinute,
        String allowedRegions,
        String currency) {

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
        return tenantSuspended;
    }
}
