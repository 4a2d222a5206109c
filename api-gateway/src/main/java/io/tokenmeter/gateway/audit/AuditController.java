package io.tokenmeter.gateway.audit;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.audit.AdminAudit;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

@RestController
class AuditController {

    private final AdminAudit audit;

    AuditController(AdminAudit audit) {
        this.audit = audit;
    }

    @GetMapping("/api/v1/admin/audit")
    @Operation(summary = "The audit log of tenant, key and budget changes, newest first (admin)")
    List<AdminAudit.Entry> auditLog(
            @RequestParam(required = false) String entity,
            @RequestParam(name = "entity_id", required = false) String entityId,
            @RequestParam(defaultValue = "100") int limit,
            Caller caller) {
        Access.admin(caller);
        return audit.find(entity, entityId, Math.max(1, Math.min(limit, 1000)));
    }
}
