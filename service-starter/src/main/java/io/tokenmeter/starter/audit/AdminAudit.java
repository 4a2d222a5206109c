package io.tokenmeter.starter.audit;

import io.tokenmeter.contracts.identity.Caller;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.time.Instant;
import java.util.List;

/**
 * The admin audit trail every service keeps in its own {@code admin_audit} table (append-only there): who changed
 * what, before and after. Written in the caller's transaction, so a change and its record commit together.
 */
public class AdminAudit {

    public record Entry(
            long id,
            Instant at,
            String actor,
            String action,
            String entity,
            String entityId,
            JsonNode before,
            JsonNode after) {}

    private final JdbcClient jdbc;
    private final JsonMapper json;

    public AdminAudit(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void record(Caller actor, String action, String entity, String entityId, Object before, Object after) {
        jdbc.sql(
                        "INSERT INTO admin_audit (actor, action, entity, entity_id, before, after) VALUES (?, ?, ?, ?, ?::jsonb, ?::jsonb)")
                .params(
                        actor.keyId(),
                        action,
                        entity,
                        entityId,
                        before == null ? null : json.writeValueAsString(before),
                        after == null ? null : json.writeValueAsString(after))
                .update();
    }

    public List<Entry> find(String entity, String entityId, int limit) {
        return jdbc.sql("""
                        SELECT id, at, actor, action, entity, entity_id, before::text AS before, after::text AS after
                            FROM admin_audit
                        WHERE (CAST(:entity AS text) IS NULL OR entity = :entity) AND (CAST(:entityId AS text) IS NULL
                            OR entity_id = :entityId)
                        ORDER BY id DESC LIMIT :limit""")
                .param("entity", entity)
                .param("entityId", entityId)
                .param("limit", limit)
                .query((rs, i) -> new Entry(
                        rs.getLong("id"),
                        rs.getTimestamp("at").toInstant(),
                        rs.getString("actor"),
                        rs.getString("action"),
                        rs.getString("entity"),
                        rs.getString("entity_id"),
                        rs.getString("before") == null ? null : json.readTree(rs.getString("before")),
                        rs.getString("after") == null ? null : json.readTree(rs.getString("after"))))
                .list();
    }
}
