package io.tokenmeter.gateway.routing;

import io.tokenmeter.gateway.routing.CatalogEntries.CredentialEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.ModelEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.RouteEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.Snapshot;
import io.tokenmeter.gateway.routing.CatalogEntries.UpstreamEntry;
import io.tokenmeter.starter.secrets.SealedSecrets;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The catalog's tables. Writes run in the caller's transaction, and each change raises the revision that every
 * instance polls. Secrets are sealed with the credential's name as associated data.
 */
@Component
class CatalogStore {

    private final JdbcClient jdbc;
    private final SealedSecrets secrets;
    private final TransactionTemplate snapshotRead;

    CatalogStore(JdbcClient jdbc, CatalogProperties properties, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.secrets = new SealedSecrets(properties.credentialsKey(), "TOKENMETER_UPSTREAM_CREDENTIALS_KEY");
        this.snapshotRead = new TransactionTemplate(transactions);
        snapshotRead.setReadOnly(true);
        snapshotRead.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
    }

    boolean canSeal() {
        return secrets.configured();
    }

    long revision() {
        return jdbc.sql("SELECT revision FROM catalog_revision")
                .query(Long.class)
                .single();
    }

    /** Marks a change; call in the change's transaction. */
    void raiseRevision() {
        jdbc.sql("UPDATE catalog_revision SET revision = revision + 1").update();
    }

    /** Serializes the start-up seeding of several instances; held until the transaction ends. */
    void lockForSeeding() {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('tokenmeter.model-catalog'))")
                .query(Object.class)
                .single();
    }

    /**
     * Every row at one revision (a repeatable-read snapshot), secrets opened; a secret that does not open with the
     * configured key (sealed under another one) is left out of {@code secrets}, so its upstreams cannot be used.
     */
    Snapshot load() {
        return snapshotRead.execute(status -> {
            long revision = revision();
            Map<String, String> opened = new HashMap<>();
            jdbc.sql("SELECT name, sealed FROM upstream_credential").query(rs -> {
                String name = rs.getString(1);
                open(name, rs.getString(2)).ifPresent(secret -> opened.put(name, secret));
            });
            return new Snapshot(revision, upstreams(), models(), credentials(), Map.copyOf(opened));
        });
    }

    /** The credentials whose secret does not open with the configured key. */
    List<String> unopenable() {
        List<String> names = new ArrayList<>();
        jdbc.sql("SELECT name, sealed FROM upstream_credential ORDER BY name").query(rs -> {
            if (open(rs.getString(1), rs.getString(2)).isEmpty()) {
                names.add(rs.getString(1));
            }
        });
        return names;
    }

    private Optional<String> open(String name, String sealed) {
        try {
            return Optional.of(secrets.open(name, sealed));
        } catch (IllegalStateException e) { // sealed under another key, or no key configured
            return Optional.empty();
        }
    }

    List<UpstreamEntry> upstreams() {
        return jdbc.sql("SELECT * FROM upstream ORDER BY name")
                .query((rs, i) -> upstream(rs))
                .list();
    }

    Optional<UpstreamEntry> upstream(String name) {
        return jdbc.sql("SELECT * FROM upstream WHERE name = ?")
                .param(name)
                .query((rs, i) -> upstream(rs))
                .optional();
    }

    List<CredentialEntry> credentials() {
        return jdbc.sql("SELECT name, managed_by, updated_at FROM upstream_credential ORDER BY name")
                .query((rs, i) -> credential(rs))
                .list();
    }

    Optional<CredentialEntry> credential(String name) {
        return jdbc.sql("SELECT name, managed_by, updated_at FROM upstream_credential WHERE name = ?")
                .param(name)
                .query((rs, i) -> credential(rs))
                .optional();
    }

    /** The credential's secret in clear; empty when there is no such credential or it does not open. */
    Optional<String> secret(String name) {
        return jdbc.sql("SELECT sealed FROM upstream_credential WHERE name = ?")
                .param(name)
                .query(String.class)
                .optional()
                .flatMap(stored -> open(name, stored));
    }

    List<ModelEntry> models() {
        Map<String, List<RouteEntry>> routes = new HashMap<>();
        jdbc.sql("SELECT * FROM model_route ORDER BY model, priority").query(rs -> {
            routes.computeIfAbsent(rs.getString("model"), m -> new ArrayList<>())
                    .add(route(rs));
        });
        Map<String, ModelEntry> models = new LinkedHashMap<>();
        jdbc.sql("SELECT * FROM catalog_model ORDER BY name").query(rs -> {
            models.put(rs.getString("name"), model(rs, routes.getOrDefault(rs.getString("name"), List.of())));
        });
        return List.copyOf(models.values());
    }

    Optional<ModelEntry> model(String name) {
        List<RouteEntry> routes = jdbc.sql("SELECT * FROM model_route WHERE model = ? ORDER BY priority")
                .param(name)
                .query((rs, i) -> route(rs))
                .list();
        return jdbc.sql("SELECT * FROM catalog_model WHERE name = ?")
                .param(name)
                .query((rs, i) -> model(rs, routes))
                .optional();
    }

    void putCredential(String name, String secret, String managedBy) {
        jdbc.sql("""
                        INSERT INTO upstream_credential (name, sealed, managed_by) VALUES (?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, managed_by = excluded.managed_by,
                            updated_at = now()""").params(name, secrets.seal(name, secret), managedBy).update();
    }

    void putUpstream(UpstreamEntry u, String managedBy) {
        jdbc.sql("""
                        INSERT INTO upstream (name, base_url, anthropic_base_url, credential, connect_timeout_ms,
                            timeout_ms, managed_by) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET base_url = excluded.base_url,
                            anthropic_base_url = excluded.anthropic_base_url, credential = excluded.credential,
                            connect_timeout_ms = excluded.connect_timeout_ms, timeout_ms = excluded.timeout_ms,
                            managed_by = excluded.managed_by, updated_at = now()""")
                .params(
                        u.name(),
                        u.baseUrl().toString(),
                        u.anthropicBaseUrl() == null
                                ? null
                                : u.anthropicBaseUrl().toString(),
                        u.credential(),
                        (int) u.connectTimeoutMs(),
                        (int) u.timeoutMs(),
                        managedBy)
                .update();
    }

    void putModel(ModelEntry m, String managedBy) {
        jdbc.sql("""
                        INSERT INTO catalog_model (name, max_output_tokens, managed_by) VALUES (?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET max_output_tokens = excluded.max_output_tokens,
                            managed_by = excluded.managed_by, updated_at = now()""").params(m.name(), m.maxOutputTokens(), managedBy).update();
        jdbc.sql("DELETE FROM model_route WHERE model = ?").param(m.name()).update();
        for (int i = 0; i < m.routes().size(); i++) {
            RouteEntry r = m.routes().get(i);
            jdbc.sql("""
                            INSERT INTO model_route (model, priority, upstream, provider, region, upstream_model)
                                VALUES (?, ?, ?, ?, ?, ?)""")
                    .params(m.name(), i, r.upstream(), r.provider(), r.region(), r.upstreamModel())
                    .update();
        }
    }

    boolean deleteModel(String name) {
        return jdbc.sql("DELETE FROM catalog_model WHERE name = ?").param(name).update() > 0;
    }

    boolean deleteUpstream(String name) {
        return jdbc.sql("DELETE FROM upstream WHERE name = ?").param(name).update() > 0;
    }

    boolean deleteCredential(String name) {
        return jdbc.sql("DELETE FROM upstream_credential WHERE name = ?")
                        .param(name)
                        .update()
                > 0;
    }

    /** The models with a route through this upstream. */
    List<String> modelsUsing(String upstream) {
        return jdbc.sql("SELECT DISTINCT model FROM model_route WHERE upstream = ? ORDER BY model")
                .param(upstream)
                .query(String.class)
                .list();
    }

    List<String> upstreamsUsing(String credential) {
        return jdbc.sql("SELECT name FROM upstream WHERE credential = ? ORDER BY name")
                .param(credential)
                .query(String.class)
                .list();
    }

    private static UpstreamEntry upstream(ResultSet rs) throws SQLException {
        String anthropic = rs.getString("anthropic_base_url");
        return new UpstreamEntry(
                rs.getString("name"),
                URI.create(rs.getString("base_url")),
                anthropic == null ? null : URI.create(anthropic),
                rs.getString("credential"),
                rs.getInt("connect_timeout_ms"),
                rs.getInt("timeout_ms"),
                rs.getString("managed_by"),
                rs.getTimestamp("updated_at").toInstant());
    }

    private static RouteEntry route(ResultSet rs) throws SQLException {
        return new RouteEntry(
                rs.getString("upstream"),
                rs.getString("provider"),
                rs.getString("region"),
                rs.getString("upstream_model"));
    }

    private static ModelEntry model(ResultSet rs, List<RouteEntry> routes) throws SQLException {
        Long max = rs.getObject("max_output_tokens", Long.class);
        return new ModelEntry(
                rs.getString("name"),
                max,
                List.copyOf(routes),
                rs.getString("managed_by"),
                rs.getTimestamp("updated_at").toInstant());
    }

    private static CredentialEntry credential(ResultSet rs) throws SQLException {
        return new CredentialEntry(
                rs.getString("name"),
                rs.getString("managed_by"),
                rs.getTimestamp("updated_at").toInstant());
    }
}
