package io.tokenmeter.billing.budget;

import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseGrant;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Window;
import io.tokenmeter.contracts.usage.EventIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.sql.Array;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The budgets' ledger in PostgreSQL, kept in leases. A gateway instance is granted a slice of a budget window's
 * remaining amount (a lease) and admits calls against it in memory; it comes back here only to renew the lease
 * (report what it spent, ask for more room), to release it, or when a call does not fit. Every step locks the window
 * row first, so all instances' leases are serialised on it, and keeps one invariant: {@code spent + reserved <=
 * amount}, where {@code reserved} is what open leases hold beyond their spend. A lease's spend is the greater of what
 * its gateway reported and what the usage events of its calls charged ({@link #book}): an instance that dies with a
 * lease loses none of its spend, and its unspent slice comes back when the lease expires ({@link #expire}).
 * <p>
 * Slices: a lease is given what its gateway asks for, at most half of what is free (so the next instance still finds
 * room), in whole multiples of the gateway's typical call ({@code unit}, so no fraction of a call is stranded on an
 * instance); when four calls or less are left, only the call at hand: the last cents are admitted one call at a time.
 */
@Component
class BudgetLedger {

    private static final Logger log = LoggerFactory.getLogger(BudgetLedger.class);
    private static final int LOW_WATER_CALLS = 4;

    /** A usage event's charge on one lease, to be booked once. */
    record Charge(UUID eventId, UUID leaseId, BigDecimal amount) {}

    private record WindowKey(String budgetId, Instant start) implements Comparable<WindowKey> {
        @Override
        public int compareTo(WindowKey o) {
            int byBudget = budgetId.compareTo(o.budgetId);
            return byBudget != 0 ? byBudget : start.compareTo(o.start);
        }
    }

    /**
     * A report on a lease already closed (it expired while its gateway could not reach billing, which then came back)
     * still counts: the calls it covers were served. Reports only grow, so the larger one wins and a repeat adds
     * nothing. Without this, those calls' spend would wait for their usage events, which wait for this service's
     * consumer to get its partitions back after a crash.
     */
    private void bookLateReport(LockedWindow w, LeaseRow lease, BigDecimal reported) {
        BigDecimal reportedNow = lease.reported().max(reported);
        if (reportedNow.compareTo(lease.reported()) == 0) {
            return;
        }
        w.spent = w.spent.add(reportedNow.max(lease.charged()).subtract(lease.spend()));
        jdbc.sql("UPDATE budget_lease SET reported = ? WHERE id = ?")
                .params(reportedNow, lease.id())
                .update();
        write(w);
    }

    /** A window as locked for one step; changes are written back by {@link #write}. */
    private static final class LockedWindow {
        final WindowKey key;
        final String tenantId;
        final String currency;
        final BigDecimal amount;
        final boolean deleted;
        final Integer[] thresholds;
        final int generation;
        /** The spend when locked: a threshold between it and the spend written back was crossed by this step. */
        final BigDecimal spentAtLock;

        BigDecimal spent;
        BigDecimal reserved;

        LockedWindow(
                WindowKey key,
                String tenantId,
                String currency,
                BigDecimal amount,
                boolean deleted,
                Integer[] thresholds,
                int generation,
                BigDecimal spent,
                BigDecimal reserved) {
            this.key = key;
            this.tenantId = tenantId;
            this.currency = currency;
            this.amount = amount;
            this.deleted = deleted;
            this.thresholds = thresholds;
            this.generation = generation;
            this.spentAtLock = spent;
            this.spent = spent;
            this.reserved = reserved;
        }
    }

    /** A lease row as locked for one step. */
    private record LeaseRow(
            UUID id,
            WindowKey window,
            BigDecimal granted,
            BigDecimal reported,
            BigDecimal charged,
            BigDecimal held,
            boolean open) {
        BigDecimal spend() {
            return reported.max(charged);
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;

    BudgetLedger(JdbcClient jdbc, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.transactions = transactions;
    }

    /** Opens or renews a lease, reporting its spend and asking for room, in one transaction. */
    LeaseGrant renew(LeaseRequest r) {
        return transactions.execute(tx -> {
            WindowKey key = new WindowKey(r.budgetId(), r.window().start());
            ensureWindow(key, r.window());
            LockedWindow w = lock(new TreeSet<>(List.of(key))).get(key);
            LeaseRow lease = r.leaseId() == null ? null : lockLease(r.leaseId());
            if (lease != null && !lease.open()) {
                bookLateReport(w, lease, r.reported());
                return new LeaseGrant(r.leaseId(), BigDecimal.ZERO, BigDecimal.ZERO, false, true);
            }
            UUID id = lease == null ? EventIds.newEventId() : lease.id();
            BigDecimal oldSpend = lease == null ? BigDecimal.ZERO : lease.spend();
            BigDecimal oldHeld = lease == null ? BigDecimal.ZERO : lease.held();
            BigDecimal reported =
                    lease == null ? r.reported() : lease.reported().max(r.reported());
            BigDecimal charged = lease == null ? BigDecimal.ZERO : lease.charged();
            BigDecimal spend = reported.max(charged);
            w.spent = w.spent.add(spend.subtract(oldSpend));
            BigDecimal othersHeld = w.reserved.subtract(oldHeld);
            // the most room beyond committed this lease may hold: spent + others' holds + its own stays within amount
            BigDecimal free = w.deleted
                    ? r.want().max(r.need())
                    : w.amount.subtract(w.spent).subtract(othersHeld).add(spend).subtract(r.committed());
            boolean refused = r.need().signum() > 0 && free.compareTo(r.need()) < 0;
            BigDecimal room = refused ? BigDecimal.ZERO : room(r, free);
            BigDecimal granted = r.committed().add(room);
            BigDecimal held = granted.subtract(spend).max(BigDecimal.ZERO);
            w.reserved = othersHeld.add(held);
            if (lease == null) {
                jdbc.sql("""
                                INSERT INTO budget_lease (id, budget_id, window_start, instance_id, granted, reported,
                                    held, expires_at)
                                VALUES (?, ?, ?, ?, ?, ?, ?, now() + ?::interval)""")
                        .params(
                                id,
                                key.budgetId(),
                                Timestamp.from(key.start()),
                                r.instanceId(),
                                granted,
                                reported,
                                held,
                                interval(Duration.ofMillis(r.ttlMillis())))
                        .update();
            } else {
                jdbc.sql("""
                                UPDATE budget_lease SET granted = ?, reported = ?, held = ?, renewed_at = now(),
                                    expires_at = now() + ?::interval
                                WHERE id = ?""")
                        .params(granted, reported, held, interval(Duration.ofMillis(r.ttlMillis())), id)
                        .update();
            }
            write(w);
            return new LeaseGrant(id, granted, free.max(BigDecimal.ZERO), refused, false);
        });
    }

    /**
     * What a renewal grants beyond committed: what is wanted, at most half of what is free and in whole calls; at the
     * low-water mark, only the call at hand (a renewal in the background then keeps no room at all).
     */
    static BigDecimal room(LeaseRequest r, BigDecimal free) {
        if (free.signum() <= 0) {
            return BigDecimal.ZERO;
        }
        BigDecimal unit = r.unit().max(r.need());
        if (unit.signum() > 0 && free.compareTo(unit.multiply(BigDecimal.valueOf(LOW_WATER_CALLS))) <= 0) {
            return r.need();
        }
        BigDecimal half = wholeUnits(free.divide(BigDecimal.TWO), unit);
        return r.want().min(half).max(r.need()).min(free);
    }

    private static BigDecimal wholeUnits(BigDecimal amount, BigDecimal unit) {
        if (unit.signum() <= 0) {
            return amount;
        }
        return amount.divide(unit, 0, RoundingMode.FLOOR).multiply(unit);
    }

    /** Closes a lease its gateway no longer needs, with its final spend; its unspent slice is free again. */
    void release(UUID leaseId, BigDecimal reported) {
        transactions.executeWithoutResult(tx -> {
            WindowKey key = windowOf(leaseId);
            if (key == null) {
                return;
            }
            LockedWindow w = lock(new TreeSet<>(List.of(key))).get(key);
            LeaseRow lease = lockLease(leaseId);
            if (!lease.open()) {
                bookLateReport(w, lease, reported);
                return;
            }
            BigDecimal reportedNow = lease.reported().max(reported);
            w.spent = w.spent.add(reportedNow.max(lease.charged()).subtract(lease.spend()));
            w.reserved = w.reserved.subtract(lease.held());
            jdbc.sql("""
                            UPDATE budget_lease SET reported = ?, held = 0, closed_at = now(), closed_by = 'RELEASED'
                            WHERE id = ?""").params(reportedNow, leaseId).update();
            write(w);
        });
    }

    /**
     * Books usage events' charges, each once (a replay is harmless), and adds to their leases' spend what goes beyond
     * what their gateways reported. Charges of leases this ledger does not know are ignored. Returns how many were new.
     */
    int book(List<Charge> charges) {
        if (charges.isEmpty()) {
            return 0;
        }
        Integer booked = transactions.execute(tx -> {
            List<UUID> leaseIds =
                    charges.stream().map(Charge::leaseId).distinct().toList();
            SortedSet<WindowKey> keys = new TreeSet<>(
                    jdbc.sql("SELECT DISTINCT budget_id, window_start FROM budget_lease WHERE id = ANY(?::uuid[])")
                            .param(leaseIds.stream().map(UUID::toString).toArray(String[]::new))
                            .query((rs, i) -> new WindowKey(
                                    rs.getString(1), rs.getTimestamp(2).toInstant()))
                            .list());
            if (keys.isEmpty()) {
                return 0;
            }
            Map<WindowKey, LockedWindow> windows = lock(keys);
            Map<UUID, BigDecimal> added = new HashMap<>();
            jdbc.sql("""
                            INSERT INTO budget_charge (event_id, lease_id, amount)
                            SELECT c.event_id, c.lease_id, c.amount
                            FROM unnest(:events::uuid[], :leases::uuid[], :amounts::numeric[]) AS c(event_id, lease_id,
                                amount)
                            JOIN budget_lease l ON l.id = c.lease_id
                            ON CONFLICT (event_id, lease_id) DO NOTHING
                            RETURNING lease_id, amount""")
                    .param(
                            "events",
                            charges.stream().map(c -> c.eventId().toString()).toArray(String[]::new))
                    .param(
                            "leases",
                            charges.stream().map(c -> c.leaseId().toString()).toArray(String[]::new))
                    .param(
                            "amounts",
                            charges.stream()
                                    .map(c -> c.amount().toPlainString())
                                    .toArray(String[]::new))
                    .query(rs -> {
                        added.merge(rs.getObject(1, UUID.class), rs.getBigDecimal(2), BigDecimal::add);
                    });
            for (Map.Entry<UUID, BigDecimal> e : added.entrySet()) {
                LeaseRow lease = lockLease(e.getKey());
                LockedWindow w = windows.get(lease.window());
                BigDecimal charged = lease.charged().add(e.getValue());
                BigDecimal spend = lease.reported().max(charged);
                w.spent = w.spent.add(spend.subtract(lease.spend()));
                BigDecimal held = lease.open() ? lease.granted().subtract(spend).max(BigDecimal.ZERO) : BigDecimal.ZERO;
                w.reserved = w.reserved.subtract(lease.held()).add(held);
                jdbc.sql("UPDATE budget_lease SET charged = ?, held = ? WHERE id = ?")
                        .params(charged, held, lease.id())
                        .update();
            }
            windows.values().forEach(this::write);
            return added.size();
        });
        return booked == null ? 0 : booked;
    }

    /**
     * Closes the leases whose gateway stopped renewing them (it died) {@code grace} after they expired, so that the
     * usage events of its last calls, already on their way through Kafka, are booked first; their slice is free again.
     * Events that arrive later still add to the spend. Returns how many leases were closed.
     */
    int expire(Duration grace) {
        Integer expired = transactions.execute(tx -> {
            List<UUID> ids =
                    jdbc.sql("""
                            SELECT id FROM budget_lease WHERE closed_at IS NULL AND expires_at < now() - ?::interval""").param(interval(grace)).query(UUID.class).list();
            if (ids.isEmpty()) {
                return 0;
            }
            SortedSet<WindowKey> keys = new TreeSet<>();
            ids.forEach(id -> keys.add(windowOf(id)));
            Map<WindowKey, LockedWindow> windows = lock(keys);
            int closed = 0;
            for (UUID id : ids) {
                LeaseRow lease = lockLease(id);
                if (!lease.open()) {
                    continue;
                }
                LockedWindow w = windows.get(lease.window());
                w.reserved = w.reserved.subtract(lease.held());
                jdbc.sql("""
                                UPDATE budget_lease SET held = 0, closed_at = now(), closed_by = 'EXPIRED' WHERE id = ?""").param(id).update();
                closed++;
            }
            windows.values().forEach(this::write);
            return closed;
        });
        return expired == null ? 0 : expired;
    }

    private WindowKey windowOf(UUID leaseId) {
        return jdbc.sql("SELECT budget_id, window_start FROM budget_lease WHERE id = ?")
                .param(leaseId)
                .query((rs, i) ->
                        new WindowKey(rs.getString(1), rs.getTimestamp(2).toInstant()))
                .optional()
                .orElse(null);
    }

    private void ensureWindow(WindowKey key, Window window) {
        jdbc.sql("""
                        INSERT INTO budget_window (budget_id, window_start, window_end) VALUES (?, ?, ?)
                        ON CONFLICT (budget_id, window_start) DO NOTHING""")
                .params(key.budgetId(), Timestamp.from(window.start()), Timestamp.from(window.end()))
                .update();
    }

    /** Locks the windows in key order, so two steps never lock in opposite orders. */
    private Map<WindowKey, LockedWindow> lock(SortedSet<WindowKey> keys) {
        Map<WindowKey, LockedWindow> locked = new java.util.TreeMap<>();
        jdbc.sql("""
                        SELECT w.budget_id, w.window_start, w.spent, w.reserved, b.tenant_id, b.currency, b.amount,
                               b.deleted_at IS NOT NULL AS deleted, b.thresholds,
                               CASE WHEN b.kind = 'PREPAID' THEN b.top_ups ELSE 0 END AS generation
                        FROM budget_window w JOIN budget b ON b.id = w.budget_id
                        WHERE (w.budget_id, w.window_start) IN (SELECT * FROM unnest(:ids::text[],
                            :starts::timestamptz[]))
                        ORDER BY w.budget_id, w.window_start FOR UPDATE OF w""")
                .param("ids", keys.stream().map(WindowKey::budgetId).toArray(String[]::new))
                .param("starts", keys.stream().map(k -> k.start().toString()).toArray(String[]::new))
                .query(rs -> {
                    Array thresholds = rs.getArray("thresholds");
                    WindowKey key = new WindowKey(
                            rs.getString("budget_id"),
                            rs.getTimestamp("window_start").toInstant());
                    locked.put(
                            key,
                            new LockedWindow(
                                    key,
                                    rs.getString("tenant_id"),
                                    rs.getString("currency"),
                                    rs.getBigDecimal("amount"),
                                    rs.getBoolean("deleted"),
                                    (Integer[]) thresholds.getArray(),
                                    rs.getInt("generation"),
                                    rs.getBigDecimal("spent"),
                                    rs.getBigDecimal("reserved")));
                });
        return locked;
    }

    private LeaseRow lockLease(UUID id) {
        return jdbc.sql("""
                        SELECT id, budget_id, window_start, granted, reported, charged, held, closed_at IS NULL AS open
                        FROM budget_lease WHERE id = ? FOR UPDATE""")
                .param(id)
                .query((rs, i) -> new LeaseRow(
                        rs.getObject("id", UUID.class),
                        new WindowKey(
                                rs.getString("budget_id"),
                                rs.getTimestamp("window_start").toInstant()),
                        rs.getBigDecimal("granted"),
                        rs.getBigDecimal("reported"),
                        rs.getBigDecimal("charged"),
                        rs.getBigDecimal("held"),
                        rs.getBoolean("open")))
                .optional()
                .orElse(null);
    }

    /**
     * Writes the window back and records each threshold its spend crossed in this step, once per budget, period,
     * top-up generation and threshold (the unique key), whichever step crosses it.
     */
    private void write(LockedWindow w) {
        jdbc.sql("UPDATE budget_window SET spent = ?, reserved = ? WHERE budget_id = ? AND window_start = ?")
                .params(w.spent, w.reserved, w.key.budgetId(), Timestamp.from(w.key.start()))
                .update();
        if (w.spent.compareTo(w.spentAtLock) <= 0) {
            return;
        }
        for (int threshold : w.thresholds) {
            BigDecimal line = w.amount.multiply(BigDecimal.valueOf(threshold)).movePointLeft(2);
            if (w.spentAtLock.compareTo(line) < 0 && w.spent.compareTo(line) >= 0) {
                int inserted = jdbc.sql("""
                                INSERT INTO budget_alert (id, budget_id, tenant_id, window_start, generation, threshold,
                                    amount, spent, currency, webhook_state)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,
                                        CASE WHEN EXISTS (SELECT 1 FROM budget_webhook WHERE tenant_id = ?) THEN
                                            'PENDING' ELSE 'NO_WEBHOOK' END)
                                ON CONFLICT (budget_id, window_start, generation, threshold) DO NOTHING""")
                        .params(
                                EventIds.newEventId(),
                                w.key.budgetId(),
                                w.tenantId,
                                Timestamp.from(w.key.start()),
                                w.generation,
                                threshold,
                                w.amount,
                                w.spent,
                                w.currency,
                                w.tenantId)
                        .update();
                if (inserted == 1) {
                    log.info("budget {} crossed {} %", w.key.budgetId(), threshold);
                }
            }
        }
    }

    private static String interval(Duration d) {
        return d.toMillis() + " milliseconds";
    }
}
