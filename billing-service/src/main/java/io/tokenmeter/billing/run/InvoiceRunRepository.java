package io.tokenmeter.billing.run;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Runs and the state of each of their tenants. */
@Repository
class InvoiceRunRepository {

    /** What processing a tenant needs to know of its run. */
    record Run(
            UUID id,
            Instant periodStart,
            Instant periodEnd,
            Instant cutoff,
            Instant previousCutoff,
            Instant firstPeriodStart) {}

    private final JdbcClient jdbc;

    InvoiceRunRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    Optional<Run> find(UUID id) {
        return jdbc.sql(
                        "SELECT id, period_start, period_end, cutoff, previous_cutoff, first_period_start FROM invoice_run WHERE id = :id")
                .param("id", id)
                .query(InvoiceRunRepository::run)
                .optional();
    }

    Optional<Run> findByPeriod(Instant start, Instant end) {
        return jdbc.sql("""
                        SELECT id, period_start, period_end, cutoff, previous_cutoff, first_period_start FROM
                            invoice_run
                        WHERE period_start = :start AND period_end = :end""")
                .param("start", Timestamp.from(start))
                .param("end", Timestamp.from(end))
                .query(InvoiceRunRepository::run)
                .optional();
    }

    /** The run with the latest period: a new run must start where it ended or later. */
    Optional<Run> latest() {
        return jdbc.sql("""
                        SELECT id, period_start, period_end, cutoff, previous_cutoff, first_period_start FROM
                            invoice_run
                        ORDER BY period_end DESC LIMIT 1""").query(InvoiceRunRepository::run).optional();
    }

    /** The runs whose periods lie in [from, to), oldest first: where late usage of earlier periods belongs. */
    List<Run> between(Instant from, Instant to) {
        return jdbc.sql("""
                        SELECT id, period_start, period_end, cutoff, previous_cutoff, first_period_start FROM
                            invoice_run
                        WHERE period_start >= :from AND period_end <= :to ORDER BY period_start""")
                .param("from", Timestamp.from(from))
                .param("to", Timestamp.from(to))
                .query(InvoiceRunRepository::run)
                .list();
    }

    /** Each tenant of a run with its status and error. */
    record TenantState(String tenantId, String status, String error) {}

    List<TenantState> tenants(UUID runId) {
        return jdbc.sql(
                        "SELECT tenant_id, status, error FROM invoice_run_tenant WHERE run_id = :run ORDER BY tenant_id")
                .param("run", runId)
                .query((rs, n) ->
                        new TenantState(rs.getString("tenant_id"), rs.getString("status"), rs.getString("error")))
                .list();
    }

    /** Serialises the starting of runs (for this transaction), so two runs cannot both take the same previous run. */
    void lockRunStarts() {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('invoice_run_start'))")
                .query(Object.class)
                .single();
    }

    void insert(Run run, List<String> tenants, String createdBy) {
        jdbc.sql("""
                        INSERT INTO invoice_run (id, period_start, period_end, cutoff, previous_cutoff,
                            first_period_start, created_by)
                        VALUES (:id, :start, :end, :cutoff, :previous, :first, :by)""")
                .param("id", run.id())
                .param("start", Timestamp.from(run.periodStart()))
                .param("end", Timestamp.from(run.periodEnd()))
                .param("cutoff", Timestamp.from(run.cutoff()))
                .param("previous", run.previousCutoff() == null ? null : Timestamp.from(run.previousCutoff()))
                .param("first", Timestamp.from(run.firstPeriodStart()))
                .param("by", createdBy)
                .update();
        for (String tenant : tenants) {
            jdbc.sql("INSERT INTO invoice_run_tenant (run_id, tenant_id, status) VALUES (:run, :tenant, 'pending')")
                    .param("run", run.id())
                    .param("tenant", tenant)
                    .update();
        }
    }

    List<String> pending(UUID runId) {
        return jdbc.sql(
                        "SELECT tenant_id FROM invoice_run_tenant WHERE run_id = :run AND status = 'pending' ORDER BY tenant_id")
                .param("run", runId)
                .query(String.class)
                .list();
    }

    boolean isPending(UUID runId, String tenantId) {
        return jdbc.sql(
                                "SELECT count(*) FROM invoice_run_tenant WHERE run_id = :run AND tenant_id = :tenant AND status = 'pending'")
                        .param("run", runId)
                        .param("tenant", tenantId)
                        .query(Long.class)
                        .single()
                > 0;
    }

    List<UUID> runsWithPendingTenants() {
        return jdbc.sql("SELECT DISTINCT run_id FROM invoice_run_tenant WHERE status = 'pending'")
                .query(UUID.class)
                .list();
    }

    /**
     * Locks the tenant's row for this transaction; true when it is still pending (nobody else invoiced it meanwhile).
     */
    boolean lockPending(UUID runId, String tenantId) {
        return jdbc.sql("SELECT status FROM invoice_run_tenant WHERE run_id = :run AND tenant_id = :tenant FOR UPDATE")
                .param("run", runId)
                .param("tenant", tenantId)
                .query(String.class)
                .optional()
                .filter("pending"::equals)
                .isPresent();
    }

    /** The tenants of a run whose invoice is still a draft. */
    List<String> withDrafts(UUID runId) {
        return jdbc.sql("""
                        SELECT t.tenant_id FROM invoice_run_tenant t JOIN invoice i ON i.id = t.invoice_id
                        WHERE t.run_id = :run AND t.status = 'invoiced' AND i.status = 'draft' ORDER BY t.tenant_id""").param("run", runId).query(String.class).list();
    }

    List<String> failed(UUID runId) {
        return jdbc.sql(
                        "SELECT tenant_id FROM invoice_run_tenant WHERE run_id = :run AND status = 'failed' ORDER BY tenant_id")
                .param("run", runId)
                .query(String.class)
                .list();
    }

    /**
     * Locks the tenant's row of the run and detaches its invoice, if that is still a draft: the draft's id, to delete
     * and draft again in the same transaction; empty when it is not a draft any more (issued meanwhile).
     */
    Optional<UUID> detachDraft(UUID runId, String tenantId) {
        Optional<UUID> draft = jdbc.sql("""
                        SELECT t.invoice_id FROM invoice_run_tenant t JOIN invoice i ON i.id = t.invoice_id
                        WHERE t.run_id = :run AND t.tenant_id = :tenant AND t.status = 'invoiced' AND i.status = 'draft'
                        FOR UPDATE OF t, i""")
                .param("run", runId)
                .param("tenant", tenantId)
                .query(UUID.class)
                .optional();
        draft.ifPresent(id -> jdbc.sql(
                        "UPDATE invoice_run_tenant SET invoice_id = NULL WHERE run_id = :run AND tenant_id = :tenant")
                .param("run", runId)
                .param("tenant", tenantId)
                .update());
        return draft;
    }

    void invoiced(UUID runId, String tenantId, UUID invoiceId) {
        jdbc.sql("""
                        UPDATE invoice_run_tenant SET status = 'invoiced', invoice_id = :invoice, error = NULL,
                            updated_at = now()
                        WHERE run_id = :run AND tenant_id = :tenant""")
                .param("invoice", invoiceId)
                .param("run", runId)
                .param("tenant", tenantId)
                .update();
    }

    void failed(UUID runId, String tenantId, String error) {
        jdbc.sql(
                        "UPDATE invoice_run_tenant SET status = 'failed', error = :error, updated_at = now() WHERE run_id = :run AND tenant_id = :tenant")
                .param("error", error)
                .param("run", runId)
                .param("tenant", tenantId)
                .update();
    }

    /** A failed tenant back to pending; false when it was not failed. */
    boolean retry(UUID runId, String tenantId) {
        return jdbc.sql("""
                        UPDATE invoice_run_tenant SET status = 'pending', error = NULL, updated_at = now()
                        WHERE run_id = :run AND tenant_id = :tenant AND status = 'failed'""").param("run", runId).param("tenant", tenantId).update() == 1;
    }

    Optional<InvoiceRun> view(UUID id) {
        return jdbc.sql("""
                        SELECT r.id, r.period_start, r.period_end, r.cutoff, r.created_at,
                               count(t.tenant_id) AS tenants,
                               count(*) FILTER (WHERE t.status = 'invoiced') AS invoiced,
                               count(*) FILTER (WHERE t.status = 'failed') AS failed,
                               count(*) FILTER (WHERE t.status = 'pending') AS pending
                        FROM invoice_run r LEFT JOIN invoice_run_tenant t ON t.run_id = r.id
                        WHERE r.id = :id GROUP BY r.id""")
                .param("id", id)
                .query((rs, n) -> {
                    int failed = rs.getInt("failed");
                    int pending = rs.getInt("pending");
                    return new InvoiceRun(
                            rs.getObject("id", UUID.class),
                            rs.getTimestamp("period_start").toInstant(),
                            rs.getTimestamp("period_end").toInstant(),
                            rs.getTimestamp("cutoff").toInstant(),
                            rs.getTimestamp("created_at").toInstant(),
                            pending > 0 ? "running" : failed > 0 ? "done_with_errors" : "done",
                            rs.getInt("tenants"),
                            rs.getInt("invoiced"),
                            failed,
                            pending,
                            null);
                })
                .optional()
                .map(run -> new InvoiceRun(
                        run.id(),
                        run.periodStart(),
                        run.periodEnd(),
                        run.cutoff(),
                        run.createdAt(),
                        run.status(),
                        run.tenants(),
                        run.invoiced(),
                        run.failed(),
                        run.pending(),
                        failures(id)));
    }

    /** Run ids, newest period first, a page of them. */
    List<UUID> page(int page, int size) {
        return jdbc.sql("SELECT id FROM invoice_run ORDER BY period_start DESC LIMIT :size OFFSET :offset")
                .param("size", size)
                .param("offset", (long) page * size)
                .query(UUID.class)
                .list();
    }

    private List<InvoiceRun.TenantOutcome> failures(UUID runId) {
        return jdbc.sql(
                        "SELECT tenant_id, error FROM invoice_run_tenant WHERE run_id = :run AND status = 'failed' ORDER BY tenant_id")
                .param("run", runId)
                .query((rs, n) -> new InvoiceRun.TenantOutcome(rs.getString("tenant_id"), rs.getString("error")))
                .list();
    }

    private static Run run(ResultSet rs, int n) throws SQLException {
        Timestamp previous = rs.getTimestamp("previous_cutoff");
        return new Run(
                rs.getObject("id", UUID.class),
                rs.getTimestamp("period_start").toInstant(),
                rs.getTimestamp("period_end").toInstant(),
                rs.getTimestamp("cutoff").toInstant(),
                previous == null ? null : previous.toInstant(),
                rs.getTimestamp("first_period_start").toInstant());
    }
}
