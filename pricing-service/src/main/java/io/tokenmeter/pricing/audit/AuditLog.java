package io.tokenmeter.pricing.audit;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.pricing.Access;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.List;

/** Writes audit entries in the caller's transaction, so a change and its record commit or fail together. */
@Component
public class AuditLog {

    public record Entry(long id, Instant at, String actor, String action, String entity, String entityId, JsonNode before, JsonNode after) {
    }

    private final JdbcClient jdbc;
    private final JsonMapper json;

    AuditLog(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void record(Caller actor, String action, String entity, String entityId, Object before, Object after) {
        jdbc.sql("INSERT INTO audit_log (actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb)")
                .params(actor.keyId(), action, entity, entityId,
                        before == null ? null : json.writeValueAsString(before), after == null ? null : json.writeValueAsString(after))
                .update();
    }

    List<Entry> find(String entity, String entityId, int limit) {
        return jdbc.sql("""
                        SELECT id, at, actor, action, entity, entity_id, before::text AS before, after::text AS after FROM audit_log
                        WHERE (CAST(:entity AS text) IS NULL OR entity = :entity) AND (CAST(:entityId AS text) IS NULL OR entity_id = :entityId)
                        ORDER BY id DESC LIMIT :limit""")
                .param("entity", entity).param("entityId", entityId).param("limit", limit)
                .query((rs, i) -> new Entry(rs.getLong("id"), rs.getTimestamp("at").toInstant(), rs.getString("actor"),
                        rs.getString("action"), rs.getString("entity"), rs.getString("entity_id"),
                        rs.getString("before") == null ? null : json.readTree(rs.getString("before")),
                        rs.getString("after") == null ? null : json.readTree(rs.getString("after"))))
                .list();
    }

    @RestController
    static class AuditController {
        private final AuditLog log;

        AuditController(AuditLog log) {
            this.log = log;
        }

        @GetMapping("/api/v1/pricing/audit")
        @Operation(summary = "The audit log of price, FX and contract changes, newest first (admin)")
        List<Entry> audit(Caller caller, @RequestParam(required = false) String entity,
                          @RequestParam(name = "entity_id", required = false) String entityId,
                          @RequestParam(defaultValue = "100") int limit) {
            Access.admin(caller);
            return log.find(entity, entityId, Math.max(1, Math.min(limit, 1000)));
        }
    }
}
