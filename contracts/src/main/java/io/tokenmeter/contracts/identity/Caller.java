package io.tokenmeter.contracts.identity;

import java.util.Objects;

/**
 * Who is calling, as authenticated by the gateway from an API key. {@code tenantId} is set exactly when the
 * role is {@link Role#TENANT}: staff keys are not tied to a tenant.
 */
public record Caller(String keyId, Role role, String tenantId) {

    public Caller {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(role, "role");
        if ((role == Role.TENANT) != (tenantId != null)) {
            throw new IllegalArgumentException("a tenant id belongs to tenant keys, and only to them");
        }
    }

    public boolean is(Role r) {
        return role == r;
    }
}
