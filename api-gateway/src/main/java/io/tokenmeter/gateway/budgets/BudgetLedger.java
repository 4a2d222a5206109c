package io.tokenmeter.gateway.budgets;

import io.tokenmeter.contracts.usage.EventIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Reserve-and-settle in PostgreSQL, group-committed. Calls queue their reservations and settlements; one writer
 * per gateway instance takes everything queued and applies it in one transaction: it locks the budget windows
 * involved ({@code SELECT ... FOR UPDATE}, in key order, so two instances never lock in opposite orders), applies
 * the settlements (they free room), admits each reservation in arrival order only if every one of its budgets has
 * {@code spent + reserved + cost <= amount} (all of them or none), writes the windows back and commits. The row
 * locks serialise instances; within an instance the writer does. So the guarantee holds across any number of
 * instances, and a busy budget costs one transaction per batch instead of two per call (a hot budget row locked
 * per call was the limit: 500 calls/s of one tenant queued thousands of calls behind it).
 * <p>
 * Reservations are rows too, with an expiry: settlement and the expiry sweeper both start by deleting the row,
 * so whichever comes first releases the amount, exactly once.
 */
@Component
class BudgetLedger implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BudgetLedger.class);
    private static final int MAX_BATCH = 2_000;

    /** What a call holds on one budget. */
    record Held(Budget budget, Budget.Window window, BigDecimal amount) {}

    /** A reservation, or the budget that refused it and what that budget had left. */
    record Reservation(UUID id, List<Held> held, Budget refusedBy, BigDecimal remaining) {
        boolean refused() {
            return refusedBy != null;
        }
    }

    /** A threshold a settlement crossed, now in the outbox. */
    record Crossing(UUID alertId, Budget budget, int threshold) {}

    private sealed interface Op permits Reserve, Settle {}

    private record Reserve(
            List<Budget> budgets, Map<String, BigDecimal> amounts, Instant at, CompletableFuture<Reservation> done)
            implements Op {}

    private record Settle(
            Reservation reservation, Map<String, BigDecimal> costs, CompletableFuture<List<Crossing>> done)
            implements Op {}

    private record WindowKey(String budgetId, Instant start) implements Comparable<WindowKey> {
        @Override
        public int compareTo(WindowKey o) {
            int byBudget = budgetId.compareTo(o.budgetId);
            return byBudget != 0 ? byBudget : start.compareTo(o.start);
        }
    }

    /** A window as locked for the batch; {@code spent} and {@code reserved} change in memory until written back. */
    static final class WindowState {
        BigDecimal spent;
        BigDecimal reserved;
        final BigDecimal amount;
        final boolean deleted;
        final Integer[] thresholds;
        final int generation;

        WindowState(
                BigDecimal spent,
                BigDecimal reserved,
                BigDecimal amount,
                boolean deleted,
                Integer[] thresholds,
                int generation) {
            this.spent = spent;
            this.reserved = reserved;
            this.amount = amount;
            this.deleted = deleted;
            this.thresholds = thresholds;
            this.generation = generation;
        }

        boolean fits(BigDecimal cost) {
            return deleted || spent.add(reserved).add(cost).compareTo(amount) <= 0;
        }
    }

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;
    private final Duration expiry;
    private final BlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private volatile Thread writer;
    private volatile boolean running;

    BudgetLedger(JdbcClient jdbc, TransactionTemplate transactions, BudgetProperties properties) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.expiry = properties.reservationExpiry();
    }

    /** Holds {@code amounts} (per budget id) on every budget that applies at {@code at}, or on none. */
    CompletableFuture<Reservation> reserve(List<Budget> budgets, Map<String, BigDecimal> amounts, Instant at) {
        CompletableFuture<Reservation> done = new CompletableFuture<>();
        submit(new Reserve(budgets, amounts, at, done), done);
        return done;
    }

    /**
     * Moves each budget's actual cost (per budget id) to its spend and releases what the call held. If expiry
     * released the reservation first, the spend is still added; only the release is skipped. Completes with the
     * thresholds crossed, each recorded once whatever instance settles the crossing call.
     */
    CompletableFuture<List<Crossing>> settle(Reservation reservation, Map<String, BigDecimal> costs) {
        CompletableFuture<List<Crossing>> done = new CompletableFuture<>();
        submit(new Settle(reservation, costs, done), done);
        return done;
    }

    private void submit(Op op, CompletableFuture<?> done) {
        if (!running) {
            done.completeExceptionally(new IllegalStateException("the budget ledger is not running"));
            return;
        }
        queue.add(op);
    }

    private void run() {
        List<Op> batch = new ArrayList<>();
        while (running || !queue.isEmpty()) {
            try {
                Op first = queue.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                apply(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                log.warn("budget batch of {} failed: {}", batch.size(), e.toString());
                batch.forEach(op -> future(op).completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private static CompletableFuture<?> future(Op op) {
        return switch (op) {
            case Reserve r -> r.done();
            case Settle s -> s.done();
        };
    }

    /** One transaction for the whole batch; the futures complete after it commits. */
    private void apply(List<Op> batch) {
        Map<Op, Object> results = new LinkedHashMap<>();
        transactions.executeWithoutResult(tx -> {
            results.clear();
            Map<WindowKey, WindowState> windows = lock(batch);
            Map<UUID, Map<String, BigDecimal>> released = releasedBy(batch);
            List<Object[]> alerts = new ArrayList<>();
            Map<Op, List<Crossing>> crossings = new HashMap<>();
            for (Op op : batch) {
                if (op instanceof Settle s) {
                    List<Crossing> crossed = new ArrayList<>();
                    for (Held h : s.reservation().held()) {
                        WindowState w = windows.get(
                                new WindowKey(h.budget().id(), h.window().start()));
                        BigDecimal cost = s.costs().getOrDefault(h.budget().id(), BigDecimal.ZERO);
                        BigDecimal before = w.spent;
                        w.spent = w.spent.add(cost);
                        w.reserved = w.reserved.subtract(
                                released.getOrDefault(s.reservation().id(), Map.of())
                                        .getOrDefault(h.budget().id(), BigDecimal.ZERO));
                        for (int threshold : w.thresholds) {
                            BigDecimal line = w.amount
                                    .multiply(BigDecimal.valueOf(threshold))
                                    .movePointLeft(2);
                            if (cost.signum() > 0 && before.compareTo(line) < 0 && w.spent.compareTo(line) >= 0) {
                                UUID alertId = EventIds.newEventId();
                                alerts.add(new Object[] {
                                    alertId,
                                    h.budget().id(),
                                    h.budget().tenantId(),
                                    Timestamp.from(h.window().start()),
                                    w.generation,
                                    threshold,
                                    w.amount,
                                    w.spent,
                                    h.budget().currency(),
                                    h.budget().tenantId()
                                });
                                crossed.add(new Crossing(alertId, h.budget(), threshold));
                            }
                        }
                    }
                    crossings.put(op, crossed);
                }
            }
            List<Object[]> holds = new ArrayList<>();
            for (Op op : batch) {
                if (op instanceof Reserve r) {
                    results.put(op, admit(r, windows, holds));
                }
            }
            writeBack(windows);
            insertHolds(holds);
            Set<UUID> recorded = new java.util.HashSet<>();
            for (Object[] alert : alerts) {
                int inserted = jdbc.sql("""
                                INSERT INTO budget_alert (id, budget_id, tenant_id, window_start, generation, threshold,
                                    amount, spent,
                                                          currency, webhook_state)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,
                                        CASE WHEN EXISTS (SELECT 1 FROM budget_webhook WHERE tenant_id = ?) THEN
                                            'PENDING' ELSE 'NO_WEBHOOK' END)
                                ON CONFLICT (budget_id, window_start, generation, threshold) DO NOTHING""").params(alert).update();
                if (inserted == 1) {
                    recorded.add((UUID) alert[0]);
                }
            }
            crossings.forEach((op, crossed) -> results.put(
                    op,
                    crossed.stream().filter(c -> recorded.contains(c.alertId())).toList()));
        });
        for (Op op : batch) {
            switch (op) {
                case Reserve r -> r.done().complete((Reservation) results.get(op));
                case Settle s -> {
                    @SuppressWarnings("unchecked")
                    List<Crossing> crossed = (List<Crossing>) results.get(op);
                    s.done().complete(crossed);
                }
            }
        }
    }

    /** Every window of the batch in one statement: a batch costs the same few round trips whatever its size. */
    private void writeBack(Map<WindowKey, WindowState> windows) {
        if (windows.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        UPDATE budget_window w SET spent = v.spent, reserved = v.reserved
                        FROM unnest(:ids::text[], :starts::timestamptz[], :spent::numeric[], :reserved::numeric[]) AS
                            v(budget_id, window_start, spent, reserved)
                        WHERE w.budget_id = v.budget_id AND w.window_start = v.window_start""")
                .param("ids", windows.keySet().stream().map(WindowKey::budgetId).toArray(String[]::new))
                .param(
                        "starts",
                        windows.keySet().stream().map(k -> k.start().toString()).toArray(String[]::new))
                .param(
                        "spent",
                        windows.values().stream()
                                .map(w -> w.spent.toPlainString())
                                .toArray(String[]::new))
                .param(
                        "reserved",
                        windows.values().stream()
                                .map(w -> w.reserved.toPlainString())
                                .toArray(String[]::new))
                .update();
    }

    private void insertHolds(List<Object[]> holds) {
        if (holds.isEmpty()) {
            return;
        }
        jdbc.sql("""
                        INSERT INTO budget_reservation (id, budget_id, window_start, amount, expires_at)
                        SELECT * FROM unnest(:ids::uuid[], :budgets::text[], :starts::timestamptz[], :amounts::numeric[], :expires::timestamptz[])""")
                .param("ids", holds.stream().map(h -> h[0].toString()).toArray(String[]::new))
                .param("budgets", holds.stream().map(h -> (String) h[1]).toArray(String[]::new))
                .param("starts", holds.stream().map(h -> h[2].toString()).toArray(String[]::new))
                .param(
                        "amounts",
                        holds.stream()
                                .map(h -> ((BigDecimal) h[3]).toPlainString())
                                .toArray(String[]::new))
                .param("expires", holds.stream().map(h -> h[4].toString()).toArray(String[]::new))
                .update();
    }

    /** Admits a reservation on all its budgets, or refuses it, against the windows as the batch has left them. */
    private Reservation admit(Reserve r, Map<WindowKey, WindowState> windows, List<Object[]> holds) {
        List<Held> held = new ArrayList<>();
        for (Budget budget : r.budgets()) {
            Budget.Window window = budget.windowAt(r.at());
            if (window == null) {
                continue;
            }
            WindowState w = windows.get(new WindowKey(budget.id(), window.start()));
            BigDecimal amount = r.amounts().get(budget.id());
            if (!w.fits(amount)) {
                return new Reservation(
                        null,
                        List.of(),
                        budget,
                        w.amount.subtract(w.spent).subtract(w.reserved).max(BigDecimal.ZERO));
            }
            held.add(new Held(budget, window, amount));
        }
        UUID id = EventIds.newEventId();
        Instant expires = Instant.now().plus(expiry);
        for (Held h : held) {
            WindowState w =
                    windows.get(new WindowKey(h.budget().id(), h.window().start()));
            w.reserved = w.reserved.add(h.amount());
            holds.add(new Object[] {id, h.budget().id(), h.window().start(), h.amount(), expires});
        }
        return new Reservation(id, held, null, null);
    }

    /** Locks every window the batch touches, in key order, creating the windows reservations open. */
    private Map<WindowKey, WindowState> lock(List<Op> batch) {
        Map<WindowKey, Budget.Window> needed = new java.util.TreeMap<>();
        for (Op op : batch) {
            switch (op) {
                case Reserve r ->
                    r.budgets().forEach(b -> {
                        Budget.Window w = b.windowAt(r.at());
                        if (w != null) {
                            needed.put(new WindowKey(b.id(), w.start()), w);
                        }
                    });
                case Settle s ->
                    s.reservation()
                            .held()
                            .forEach(h -> needed.put(
                                    new WindowKey(h.budget().id(), h.window().start()), h.window()));
            }
        }
        Map<WindowKey, WindowState> locked = select(needed.keySet());
        if (locked.size() < needed.size()) {
            for (Map.Entry<WindowKey, Budget.Window> e : needed.entrySet()) {
                if (!locked.containsKey(e.getKey())) {
                    jdbc.sql("""
                                    INSERT INTO budget_window (budget_id, window_start, window_end) VALUES (?, ?, ?)
                                    ON CONFLICT (budget_id, window_start) DO NOTHING""")
                            .params(
                                    e.getKey().budgetId(),
                                    Timestamp.from(e.getValue().start()),
                                    Timestamp.from(e.getValue().end()))
                            .update();
                }
            }
            locked = select(needed.keySet());
        }
        return locked;
    }

    private Map<WindowKey, WindowState> select(Set<WindowKey> keys) {
        Map<WindowKey, WindowState> locked = new java.util.TreeMap<>();
        if (keys.isEmpty()) {
            return locked;
        }
        String[] ids = keys.stream().map(WindowKey::budgetId).toArray(String[]::new);
        String[] starts = keys.stream().map(k -> k.start().toString()).toArray(String[]::new); // arrays bind as text[]
        jdbc.sql("""
                        SELECT w.budget_id, w.window_start, w.spent, w.reserved, b.amount, b.deleted_at IS NOT NULL AS
                            deleted, b.thresholds,
                               CASE WHEN b.kind = 'PREPAID' THEN b.top_ups ELSE 0 END AS generation
                        FROM budget_window w JOIN budget b ON b.id = w.budget_id
                        WHERE (w.budget_id, w.window_start) IN (SELECT * FROM unnest(:ids::text[],
                            :starts::timestamptz[]))
                        ORDER BY w.budget_id, w.window_start FOR UPDATE OF w""").param("ids", ids).param("starts", starts).query(rs -> {
            Array thresholds = rs.getArray("thresholds");
            locked.put(
                    new WindowKey(
                            rs.getString("budget_id"),
                            rs.getTimestamp("window_start").toInstant()),
                    new WindowState(
                            rs.getBigDecimal("spent"),
                            rs.getBigDecimal("reserved"),
                            rs.getBigDecimal("amount"),
                            rs.getBoolean("deleted"),
                            (Integer[]) thresholds.getArray(),
                            rs.getInt("generation")));
        });
        return locked;
    }

    /**
     * Deletes the reservation rows of the batch's settlements: what each still held, per budget (expiry may have taken
     * some).
     */
    private Map<UUID, Map<String, BigDecimal>> releasedBy(List<Op> batch) {
        List<UUID> ids = batch.stream()
                .filter(op -> op instanceof Settle)
                .map(op -> ((Settle) op).reservation().id())
                .toList();
        Map<UUID, Map<String, BigDecimal>> released = new HashMap<>();
        if (!ids.isEmpty()) {
            jdbc.sql("DELETE FROM budget_reservation WHERE id = ANY(:ids::uuid[]) RETURNING id, budget_id, amount")
                    .param("ids", ids.stream().map(UUID::toString).toArray(String[]::new))
                    .query(rs -> {
                        released.computeIfAbsent(rs.getObject("id", UUID.class), k -> new HashMap<>())
                                .put(rs.getString("budget_id"), rs.getBigDecimal("amount"));
                    });
        }
        return released;
    }

    /** Releases the reservations that expired (their calls were never settled: a gateway died mid-call). */
    int releaseExpired() {
        Integer released = transactions.execute(tx -> {
            // lock the windows first, in key order, as the writer does: no deadlock with a batch
            List<WindowKey> keys = jdbc.sql(
                            "SELECT DISTINCT budget_id, window_start FROM budget_reservation WHERE expires_at < now()")
                    .query((rs, i) ->
                            new WindowKey(rs.getString(1), rs.getTimestamp(2).toInstant()))
                    .list();
            if (keys.isEmpty()) {
                return 0;
            }
            select(new TreeSet<>(keys));
            return jdbc.sql("""
                    WITH gone AS (DELETE FROM budget_reservation WHERE expires_at < now() RETURNING budget_id,
                        window_start, amount),
                         sums AS (SELECT budget_id, window_start, sum(amount) AS amount, count(*) AS n FROM gone GROUP
                             BY budget_id, window_start)
                    UPDATE budget_window w SET reserved = w.reserved - s.amount FROM sums s
                    WHERE w.budget_id = s.budget_id AND w.window_start = s.window_start
                    RETURNING s.n""").query(Long.class).list().stream()
                    .mapToInt(Long::intValue)
                    .sum();
        });
        return released == null ? 0 : released;
    }

    @Override
    public void start() {
        running = true;
        writer = Thread.ofPlatform().name("budget-ledger").daemon().start(this::run);
    }

    /** Stops taking work and lets the writer finish what is queued (settlements of calls that just ended). */
    @Override
    public void stop() {
        running = false;
        try {
            writer.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Started before and stopped after the web server, so calls finishing during a graceful shutdown still settle. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }
}
