package io.tokenmeter.gateway.keys;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Role;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RestController;

/**
 * Who the presented key is: its id, role and, for a tenant key, the tenant and the currency its costs are shown in.
 * The console signs a user in with it; a script may check which key it holds.
 */
@RestController
class WhoAmIController {

    record Me(String keyId, Role role, String tenantId, String currency) {}

    @GetMapping("/api/v1/me")
    @Operation(summary = "The calling key: id, role, tenant and currency (every role)")
    Me me(@RequestAttribute(ActiveKey.ATTRIBUTE) ActiveKey key) {
        return new Me(key.keyId(), key.role(), key.tenantId(), key.tenantId() == null ? null : key.currency());
    }
}
