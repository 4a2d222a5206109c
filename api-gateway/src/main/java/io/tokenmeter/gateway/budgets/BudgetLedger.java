package io.tokenmeter.gateway.budgets;

import io.tokenmeter.contracts.usage.EventIds;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Reserve-and-settle in PostgreSQL. A reservation adds a call's maximum cost to each budget's {@code reserved}
 * only where {@code spent + reserved + cost <= amount}, in one UPDATE per budget, all in one transaction: the
 * row lock serialises concurrent calls on a budget, on any number of gateway instances, and a call refused by any
 * of its budgets holds nothing on the others. Settling moves the actual cost to {@code spent} and releases the
 * reservation; expiry releases the reservations of calls nobody settled. Budgets are always taken in id order,
 * so two calls never lock the same rows in opposite orders.
 */
@Component
class BudgetLedger {

    /** What a call holds on one budget. */
    record Held(Budget budget, Budget.Window window, BigDecimal amount) {
    }

    /** A reservation, or the budget that refused it and what that budget had left. */
    record Reservation(UUID id, List<Held> held, Budget refusedBy, BigDecimal remaining) {
        boolean refused() {
            return refusedBy != null;
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Duration expiry;

    BudgetLedger(JdbcClient jdbc, TransactionTemplate transactions, BudgetProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.expiry = properties.reservationExpiry();
    }

    /** Holds {@code amounts} (per budget id) on every budget, or on none. */
    Reservation reserve(List<Budget> budgets, Map<String, BigDecimal> amounts, Instant now) {
        UUID id = EventIds.newEventId();
        return transactions.execute(tx -> {
            List<Held> held = new ArrayList<>();
            for (Budget budget : budgets) {
                Budget.Window window = budget.windowAt(now);
                if (window == null) {
                    continue;
                }
                BigDecimal amount = amounts.get(budget.id());
                if (!hold(budget, window, amount)) {
                    tx.setRollbackOnly();
                    Budgets.WindowState state = jdbc.sql("""
                                    SELECT w.spent, w.reserved FROM budget_window w WHERE w.budget_id = ? AND w.window_start = ?""")
                            .params(budget.id(), Timestamp.from(window.start()))
                            .query((rs, i) -> new Budgets.WindowState(rs.getBigDecimal(1), rs.getBigDecimal(2))).single();
                    BigDecimal current = jdbc.sql("SELECT amount FROM budget WHERE id = ?").param(budget.id()).query(BigDecimal.class).single();
                    return new Reservation(null, List.of(), budget, current.subtract(state.spent()).subtract(state.reserved()).max(BigDecimal.ZERO));
                }
                held.add(new Held(budget, window, amount));
            }
            Timestamp expires = Timestamp.from(now.plus(expiry));
            for (Held h : held) {
                jdbc.sql("INSERT INTO budget_reservation (id, budget_id, window_start, amount, expires_at) VALUES (?, ?, ?, ?, ?)")
                        .params(id, h.budget().id(), Timestamp.from(h.window().start()), h.amount(), expires).update();
            }
            return new Reservation(id, held, null, null);
        });
    }

    /** Adds the amount to the window's reservations if the budget has room; creates the window on its first call. */
    private boolean hold(Budget budget, Budget.Window window, BigDecimal amount) {
        for (int attempt = 0; attempt < 2; attempt++) {
            int updated = jdbc.sql("""
                            UPDATE budget_window w SET reserved = w.reserved + :amount FROM budget b
                            WHERE b.id = w.budget_id AND w.budget_id = :id AND w.window_start = :start
                              AND (b.deleted_at IS NOT NULL OR w.spent + w.reserved + :amount <= b.amount)""")
                    .param("amount", amount).param("id", budget.id()).param("start", Timestamp.from(window.start())).update();
            if (updated == 1) {
                return true;
            }
            int created = jdbc.sql("""
                            INSERT INTO budget_window (budget_id, window_start, window_end) VALUES (?, ?, ?)
                            ON CONFLICT (budget_id, window_start) DO NOTHING""")
                    .params(budget.id(), Timestamp.from(window.start()), Timestamp.from(window.end())).update();
            if (created == 0) {
                return false; // the window exists: the budget has no room
            }
        }
        return false;
    }

    /** A threshold a settlement crossed, now in the outbox. */
    record Crossing(UUID alertId, Budget budget, int threshold) {
    }

    /**
     * Moves each budget's actual cost (per budget id) to its spend and releases what the call held. If expiry
     * released the reservation first, the spend is still added; only the release is skipped. Returns the
     * thresholds crossed, each recorded once whatever instance settles the crossing call.
     */
    List<Crossing> settle(Reservation reservation, Map<String, BigDecimal> costs) {
        return transactions.execute(tx -> {
            Map<String, BigDecimal> released = new HashMap<>();
            jdbc.sql("DELETE FROM budget_reservation WHERE id = ? RETURNING budget_id, amount").param(reservation.id())
                    .query(rs -> {
                        released.put(rs.getString(1), rs.getBigDecimal(2));
                    });
            List<Crossing> crossings = new ArrayList<>();
            for (Held h : reservation.held()) {
                BigDecimal cost = costs.getOrDefault(h.budget().id(), BigDecimal.ZERO);
                record After(BigDecimal spent, BigDecimal amount, Integer[] thresholds, int generation) {
                }
                After after = jdbc.sql("""
                                UPDATE budget_window w SET spent = w.spent + :cost, reserved = w.reserved - :released FROM budget b
                                WHERE b.id = w.budget_id AND w.budget_id = :id AND w.window_start = :start
                                RETURNING w.spent, b.amount, b.thresholds, CASE WHEN b.kind = 'PREPAID' THEN b.top_ups ELSE 0 END""")
                        .param("cost", cost).param("released", released.getOrDefault(h.budget().id(), BigDecimal.ZERO))
                        .param("id", h.budget().id()).param("start", Timestamp.from(h.window().start()))
                        .query((rs, i) -> new After(rs.getBigDecimal(1), rs.getBigDecimal(2), (Integer[]) rs.getArray(3).getArray(), rs.getInt(4)))
                        .single();
                BigDecimal before = after.spent().subtract(cost);
                for (int threshold : after.thresholds()) {
                    BigDecimal line = after.amount().multiply(BigDecimal.valueOf(threshold)).movePointLeft(2);
                    if (cost.signum() > 0 && before.compareTo(line) < 0 && after.spent().compareTo(line) >= 0) {
                        UUID alertId = EventIds.newEventId();
                        int inserted = jdbc.sql("""
                                        INSERT INTO budget_alert (id, budget_id, tenant_id, window_start, generation, threshold, amount, spent,
                                                                  currency, webhook_state)
                                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,
                                                CASE WHEN EXISTS (SELECT 1 FROM budget_webhook WHERE tenant_id = ?) THEN 'PENDING' ELSE 'NO_WEBHOOK' END)
                                        ON CONFLICT (budget_id, window_start, generation, threshold) DO NOTHING""")
                                .params(alertId, h.budget().id(), h.budget().tenantId(), Timestamp.from(h.window().start()), after.generation(),
                                        threshold, after.amount(), after.spent(), h.budget().currency(), h.budget().tenantId())
                                .update();
                        if (inserted == 1) {
                            crossings.add(new Crossing(alertId, h.budget(), threshold));
                        }
                    }
                }
            }
            return crossings;
        });
    }

    /** Releases the reservations that expired (their calls were never settled: a gateway died mid-call). */
    int releaseExpired() {
        return transactions.execute(tx -> jdbc.sql("""
                WITH gone AS (DELETE FROM budget_reservation WHERE expires_at < now() RETURNING budget_id, window_start, amount),
                     sums AS (SELECT budget_id, window_start, sum(amount) AS amount, count(*) AS n FROM gone GROUP BY budget_id, window_start)
                UPDATE budget_window w SET reserved = w.reserved - s.amount FROM sums s
                WHERE w.budget_id = s.budget_id AND w.window_start = s.window_start
                RETURNING s.n""").query(Long.class).list().stream().mapToInt(Long::intValue).sum());
    }
}
