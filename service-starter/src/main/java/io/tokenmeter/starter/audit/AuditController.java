package io.tokenmeter.starter.audit;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** A service's audit trail for admins, at the path the service names ({@code tokenmeter.audit.path}). */
@RestController
class AuditController {

    private final AdminAudit audit;

    AuditController(AdminAudit audit) {
        this.audit = audit;
    }

    @GetMapping("${tokenmeter.audit.path}")
    @Operation(summary = "The audit log of this service's admin changes, newest first (admin)")
    List<AdminAudit.Entry> auditLog(
            Caller caller,
            @RequestParam(required = false) String entity,
            @RequestParam(name = "entity_id", required = false) String entityId,
            @RequestParam(defaultValue = "100") int limit) {
        Access.admin(caller);
        return audit.find(entity, entityId, Math.max(1, Math.min(limit, 1000)));
    }
}
