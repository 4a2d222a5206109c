package io.tokenmeter.pricing;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.web.ApiException;
import io.tokenmeter.contracts.web.CommonErrors;

/** Who may do what in pricing: only admins change books, rates and contracts. */
public final class Access {

    private Access() {
    }

    public static Caller admin(Caller caller) {
        if (!caller.is(Role.ADMIN)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "only admin keys may change prices, FX rates and contracts");
        }
        return caller;
    }

    /** Staff read everything; a tenant reads only what concerns itself. */
    public static void readTenant(Caller caller, String tenantId) {
        if (caller.is(Role.TENANT) && !caller.tenantId().equals(tenantId)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "a tenant key can only see its own tenant's prices");
        }
    }
}
