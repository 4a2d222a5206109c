package io.tokenmeter.billing;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.web.ApiException;
import io.tokenmeter.contracts.web.CommonErrors;

/** Who may do what in billing: admins configure issuers and tax rules, finance runs billing, tenants read their own. */
public final class BillingAccess {

    private BillingAccess() {
    }

    public static Caller admin(Caller caller) {
        if (!caller.is(Role.ADMIN)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "only admin keys may configure issuers and tax rules");
        }
        return caller;
    }

    /** Finance runs billing: issues, records payments, voids and credits. Admins configure it but do not. */
    public static Caller finance(Caller caller) {
        if (!caller.is(Role.FINANCE)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "only finance keys issue, record payments, void and credit invoices");
        }
        return caller;
    }

    public static Caller staff(Caller caller) {
        if (caller.is(Role.TENANT)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "this needs a finance or admin key");
        }
        return caller;
    }

    /** Staff read every tenant; a tenant key only its own. */
    public static void readTenant(Caller caller, String tenantId) {
        if (caller.is(Role.TENANT) && !caller.tenantId().equals(tenantId)) {
            throw new ApiException(CommonErrors.FORBIDDEN, "a tenant key can only see its own tenant's billing");
        }
    }
}
