package io.tokenmeter.billing.profile;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Read-only: profiles change at their source, the gateway's tenant admin API. */
@RestController
class BillingProfileController {

    private final BillingProfileRepository profiles;

    BillingProfileController(BillingProfileRepository profiles) {
        this.profiles = profiles;
    }

    @GetMapping("/api/v1/billing/profiles/{tenantId}")
    @Operation(summary = "A tenant's billing profile (tenants: their own; finance, admin: any)")
    BillingProfile profile(Caller caller, @PathVariable String tenantId) {
        Access.ownTenant(caller, tenantId, "a tenant key can only see its own tenant's billing");
        return profiles.find(tenantId)
                .orElseThrow(() -> new ApiException(
                        CommonErrors.NOT_FOUND,
                        "no billing profile for " + tenantId
                                + " (yet: profiles arrive from the gateway on tenants.v1)"));
    }
}
