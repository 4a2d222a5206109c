package io.tokenmeter.starter.access;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;

import java.util.Arrays;

/**
 * Who may do what, the one rule every service applies: a role check is a 403 that says why, and a tenant key
 * sees only its own tenant. Staff (finance and admin keys) are not tied to a tenant and name the one they act on.
 */
public final class Access {

    private Access() {}

    /** The caller, if its role is one of {@code roles}; otherwise 403 with {@code why}. */
    public static Caller require(Caller caller, String why, Role... roles) {
        if (Arrays.stream(roles).noneMatch(caller::is)) {
            throw new ApiException(CommonErrors.FORBIDDEN, why);
        }
        return caller;
    }

    public static Caller admin(Caller caller) {
        return admin(caller, "this needs an admin key");
    }

    public static Caller admin(Caller caller, String why) {
        return require(caller, why, Role.ADMIN);
    }

    public static Caller finance(Caller caller) {
        return finance(caller, "this needs a finance key");
    }

    public static Caller finance(Caller caller, String why) {
        return require(caller, why, Role.FINANCE);
    }

    /** Finance or admin. */
    public static Caller staff(Caller caller) {
        return staff(caller, "this needs a finance or admin key");
    }

    public static Caller staff(Caller caller, String why) {
        return require(caller, why, Role.FINANCE, Role.ADMIN);
    }

    /** A tenant key may act on its own tenant only ({@code why} otherwise); staff on any. */
    public static void ownTenant(Caller caller, String tenantId, String why) {
        if (!mayRead(caller, tenantId)) {
            throw new ApiException(CommonErrors.FORBIDDEN, why);
        }
    }

    /**
     * The tenant a caller acts for: a tenant key its own, whatever it names (naming another is refused with
     * {@code why}); a staff key the one it names in the {@code tenant_id} parameter, which it must.
     */
    public static String tenantOf(Caller caller, String requested, String why) {
        String tenant = tenantOrAll(caller, requested, why);
        if (tenant == null || tenant.isBlank()) {
            throw ApiException.invalid(
                    InvalidField.parameter("tenant_id", "required", "tenant_id is required for staff keys"));
        }
        return tenant;
    }

    /** As {@link #tenantOf}, but a staff key may name none: {@code null} then means every tenant. */
    public static String tenantOrAll(Caller caller, String requested, String why) {
        if (!caller.is(Role.TENANT)) {
            return requested;
        }
        ownTenant(caller, requested == null ? caller.tenantId() : requested, why);
        return caller.tenantId();
    }

    /**
     * Whether the caller may see what belongs to {@code ownerTenantId}; another tenant's things are answered as not
     * found.
     */
    public static boolean mayRead(Caller caller, String ownerTenantId) {
        return !caller.is(Role.TENANT) || caller.tenantId().equals(ownerTenantId);
    }
}
