package io.tokenmeter.billing.budget;

import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Kind;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Window;
import io.tokenmeter.contracts.usage.EventIds;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Budgets as stored, their windows' spend and their alerts. */
@Repository
class BudgetRepository {

    private static final String COLUMNS =
            "id, tenant_id, api_key_id, kind, amount, currency, starts_at, ends_at, thresholds, top_ups, created_at, created_by";

    private final JdbcClient jdbc;

    BudgetRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The live budgets a call with this key is held to: its tenant's and its own, ordered by id. */
    List<Budget> applicableTo(String tenantId, String keyId) {
        return jdbc.sql("SELECT " + COLUMNS + """
                         FROM budget WHERE tenant_id = :tenant AND (api_key_id IS NULL OR api_key_id = :key) AND
                             deleted_at IS NULL
                        ORDER BY id""")
                .param("tenant", tenantId)
                .param("key", keyId)
                .query(BudgetRepository::budget)
                .list();
    }

    List<Budget> ofTenant(String tenantId) {
        return jdbc.sql("SELECT " + COLUMNS
                        + " FROM budget WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY created_at, id")
                .param(tenantId)
                .query(BudgetRepository::budget)
                .list();
    }

    Optional<Budget> find(String id) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM budget WHERE id = ? AND deleted_at IS NULL")
                .param(id)
                .query(BudgetRepository::budget)
                .optional();
    }

    Budget create(
            String tenantId,
            String keyId,
            Kind kind,
            BigDecimal amount,
            String currency,
            Instant startsAt,
            Instant endsAt,
            List<Integer> thresholds,
            String createdBy) {
        String id = "bud_" + EventIds.newEventId();
        jdbc.sql("""
                        INSERT INTO budget (id, tenant_id, api_key_id, kind, amount, currency, starts_at, ends_at,
                            thresholds, created_by)
                        VALUES (:id, :tenant, :key, :kind, :amount, :currency, :starts, :ends, :thresholds::integer[], :by)""")
                .param("id", id)
                .param("tenant", tenantId)
                .param("key", keyId)
                .param("kind", kind.name())
                .param("amount", amount)
                .param("currency", currency)
                .param("starts", timestamp(startsAt))
                .param("ends", timestamp(endsAt))
                .param(
                        "thresholds",
                        "{"
                                + String.join(
                                        ",",
                                        thresholds.stream().map(String::valueOf).toList()) + "}")
                .param("by", createdBy)
                .update();
        return find(id).orElseThrow();
    }

    void change(String id, BigDecimal amount, List<Integer> thresholds) {
        jdbc.sql(
                        "UPDATE budget SET amount = coalesce(:amount, amount), thresholds = coalesce(:thresholds::integer[], thresholds) WHERE id = :id")
                .param("id", id)
                .param("amount", amount)
                .param(
                        "thresholds",
                        thresholds == null
                                ? null
                                : "{"
                                        + String.join(
                                                ",",
                                                thresholds.stream()
                                                        .map(String::valueOf)
                                                        .toList()) + "}")
                .update();
    }

    /** Adds to a prepaid balance; alerts start afresh. */
    void topUp(String id, BigDecimal amount) {
        jdbc.sql(
                        "UPDATE budget SET amount = amount + :amount, top_ups = top_ups + 1 WHERE id = :id AND kind = 'PREPAID'")
                .param("id", id)
                .param("amount", amount)
                .update();
    }

    void delete(String id) {
        jdbc.sql("UPDATE budget SET deleted_at = now() WHERE id = ? AND deleted_at IS NULL")
                .param(id)
                .update();
    }

    /** A budget's spend in one window, as the ledger has it now. */
    record WindowState(BigDecimal spent, BigDecimal reserved) {
        static final WindowState EMPTY = new WindowState(BigDecimal.ZERO, BigDecimal.ZERO);
    }

    WindowState state(Budget budget, Window window) {
        return jdbc.sql("SELECT spent, reserved FROM budget_window WHERE budget_id = ? AND window_start = ?")
                .params(budget.id(), Timestamp.from(window.start()))
                .query((rs, i) -> new WindowState(rs.getBigDecimal("spent"), rs.getBigDecimal("reserved")))
                .optional()
                .orElse(WindowState.EMPTY);
    }

    /** Thresholds of the window already crossed, in order. */
    List<Integer> crossed(Budget budget, Window window) {
        return jdbc.sql(
                        "SELECT threshold FROM budget_alert WHERE budget_id = ? AND window_start = ? AND generation = ? ORDER BY threshold")
                .params(budget.id(), Timestamp.from(window.start()), budget.generation())
                .query(Integer.class)
                .list();
    }

    void setWebhook(String tenantId, String url, String sealedSecret, String updatedBy) {
        jdbc.sql("""
                        INSERT INTO budget_webhook (tenant_id, url, secret, updated_by) VALUES (?, ?, ?, ?)
                        ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, updated_at =
                            now(),
                                                              updated_by = excluded.updated_by""").params(tenantId, url, sealedSecret, updatedBy).update();
    }

    record Delivery(int attempt, Instant at, Integer statusCode, String error) {}

    record Alert(
            UUID alertId,
            String budgetId,
            int threshold,
            BigDecimal amount,
            BigDecimal spent,
            String currency,
            Instant periodStart,
            Instant crossedAt,
            Instant publishedAt,
            String webhookState,
            List<Delivery> deliveries) {}

    /** The tenant's crossed thresholds, newest first, each with its webhook delivery attempts. */
    List<Alert> alerts(String tenantId, int limit) {
        return jdbc
                .sql("""
                        SELECT id, budget_id, threshold, amount, spent, currency, window_start, crossed_at,
                            published_at, webhook_state
                        FROM budget_alert WHERE tenant_id = ? ORDER BY crossed_at DESC, threshold DESC LIMIT ?""")
                .params(tenantId, limit)
                .query((rs, i) -> {
                    UUID id = rs.getObject("id", UUID.class);
                    Timestamp published = rs.getTimestamp("published_at");
                    return new Alert(
                            id,
                            rs.getString("budget_id"),
                            rs.getInt("threshold"),
                            rs.getBigDecimal("amount"),
                            rs.getBigDecimal("spent"),
                            rs.getString("currency"),
                            rs.getTimestamp("window_start").toInstant(),
                            rs.getTimestamp("crossed_at").toInstant(),
                            published == null ? null : published.toInstant(),
                            rs.getString("webhook_state"),
                            null);
                })
                .list()
                .stream()
                .map(a -> new Alert(
                        a.alertId(),
                        a.budgetId(),
                        a.threshold(),
                        a.amount(),
                        a.spent(),
                        a.currency(),
                        a.periodStart(),
                        a.crossedAt(),
                        a.publishedAt(),
                        a.webhookState(),
                        jdbc.sql(
                                        "SELECT attempt, at, status_code, error FROM webhook_delivery WHERE alert_id = ? ORDER BY attempt")
                                .param(a.alertId())
                                .query((rs, i) -> new Delivery(
                                        rs.getInt("attempt"),
                                        rs.getTimestamp("at").toInstant(),
                                        (Integer) rs.getObject("status_code"),
                                        rs.getString("error")))
                                .list()))
                .toList();
    }

    private static Timestamp timestamp(Instant at) {
        return at == null ? null : Timestamp.from(at);
    }

    static Budget budget(ResultSet rs, int row) throws SQLException {
        Array thresholds = rs.getArray("thresholds");
        Timestamp starts = rs.getTimestamp("starts_at");
        Timestamp ends = rs.getTimestamp("ends_at");
        return new Budget(
                rs.getString("id"),
                rs.getString("tenant_id"),
                rs.getString("api_key_id"),
                Kind.valueOf(rs.getString("kind")),
                rs.getBigDecimal("amount"),
                rs.getString("currency"),
                starts == null ? null : starts.toInstant(),
                ends == null ? null : ends.toInstant(),
                Arrays.stream((Integer[]) thresholds.getArray()).toList(),
                rs.getInt("top_ups"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("created_by"));
    }
}
