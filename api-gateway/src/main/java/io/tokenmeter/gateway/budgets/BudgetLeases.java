package io.tokenmeter.gateway.budgets;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseGrant;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRelease;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.LeaseRequest;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.Window;
import io.tokenmeter.contracts.usage.EventIds;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The leases this gateway instance holds, one per budget window it has admitted calls on, and the per-call path on
 * them: a call's maximum cost is reserved from the lease in memory and its actual cost settled in memory. The
 * database is reached only when a call does not fit (the lease is renewed for it at once, or the call refused) and
 * in the background: every {@code renew-every} each lease reports its spend, asks for room for its recent rate of
 * calls over a slice's time and is extended; a lease with nothing in flight and nothing asked since is released.
 * On a graceful stop every lease is released with its final spend; after a crash, the owner ({@link BudgetBook})
 * expires it and books its calls' spend from their usage events.
 */
@Component
class BudgetLeases implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(BudgetLeases.class);
    private static final Duration WAIT_FOR_RENEWAL = Duration.ofSeconds(10);
    private static final int MAX_ATTEMPTS = 20;
    /** The room a new lease asks for, in calls like the first one, before it knows the rate. */
    private static final int FIRST_SLICE_CALLS = 8;

    /** What one call holds on one lease (whose id in the ledger never changes once granted). */
    record Held(Lease lease, UUID leaseId, BigDecimal amount) {}

    /** A call's holds on all its budgets, or the budget that refused it and what that budget had left. */
    record Admission(List<Held> held, ApplicableBudget refusedBy, BigDecimal remaining) {
        boolean refused() {
            return refusedBy != null;
        }
    }

    /** The ledger could not be reached (or answered too late) when a call needed it. */
    static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }

    private record LeaseKey(String budgetId, Instant windowStart) {}

    private final BudgetBook book;
    private final BudgetProperties properties;
    private final MeterRegistry meters;
    private final String instanceId = "gw-" + EventIds.newEventId();
    private final Map<LeaseKey, Lease> leases = new ConcurrentHashMap<>();
    private volatile boolean running;

    BudgetLeases(BudgetBook book, BudgetProperties properties, MeterRegistry meters) {
        this.book = book;
        this.properties = properties;
        this.meters = meters;
        meters.gauge("tokenmeter.budget.leases", leases, Map::size);
    }

    /** Holds {@code amounts} (per budget id) on the lease of every budget that applies at {@code at}, or on none. */
    Admission reserve(List<ApplicableBudget> budgets, Map<String, BigDecimal> amounts, Instant at) throws Unavailable {
        List<Held> held = new ArrayList<>(budgets.size());
        for (ApplicableBudget budget : budgets) {
            Window window = budget.windowAt(at);
            if (window == null) {
                continue;
            }
            BigDecimal amount = amounts.get(budget.id());
            BigDecimal refusedWithLeft;
            try {
                refusedWithLeft = reserveOn(budget, window, amount, held);
            } catch (Unavailable | RuntimeException e) {
                held.forEach(h -> h.lease().unreserve(h.amount()));
                throw e;
            }
            if (refusedWithLeft != null) {
                held.forEach(h -> h.lease().unreserve(h.amount()));
                return new Admission(List.of(), budget, refusedWithLeft);
            }
        }
        return new Admission(held, null, null);
    }

    /** Adds the hold to {@code held} and returns null, or returns what was left when the budget refused it. */
    private BigDecimal reserveOn(ApplicableBudget budget, Window window, BigDecimal amount, List<Held> held)
            throws Unavailable {
        LeaseKey key = new LeaseKey(budget.id(), window.start());
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Lease lease = leases.computeIfAbsent(key, k -> new Lease(budget, window));
            Lease.Outcome outcome = lease.reserve(amount);
            switch (outcome.kind()) {
                case HELD -> {
                    held.add(new Held(lease, lease.id(), amount));
                    return null;
                }
                case REFUSED -> {
                    return outcome.left();
                }
                case CLOSED -> leases.remove(key, lease);
                default -> {} // RETRY: another call took the room, or the lease was renewed for a smaller call
            }
        }
        throw new Unavailable("the budget ledger did not make room after " + MAX_ATTEMPTS + " attempts");
    }

    /** Moves each hold's actual cost (per budget id) from in flight to spent, in memory. */
    void settle(List<Held> held, Map<String, BigDecimal> costs) {
        for (Held h : held) {
            h.lease().settle(h.amount(), costs.getOrDefault(h.lease().budget.id(), BigDecimal.ZERO));
        }
    }

    /**
     * Reports, extends and resizes every lease; releases the idle ones. A failure is logged and retried at the next
     * tick; a lease not renewed within its time to live stops admitting calls on this instance.
     */
    @Scheduled(fixedDelayString = "${tokenmeter.gateway.budgets.renew-every:1s}")
    void renewAll() {
        for (Map.Entry<LeaseKey, Lease> e : leases.entrySet()) {
            Lease lease = e.getValue();
            try {
                if (lease.renewOrRelease()) {
                    leases.remove(e.getKey(), lease);
                }
            } catch (RuntimeException failure) {
                meters.counter("tokenmeter.budget.lease_failures").increment();
                log.warn(
                        "could not renew the lease of budget {} (retried in {}): {}",
                        lease.budget.id(),
                        properties.renewEvery(),
                        failure.toString());
            }
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /** After the web server: the calls that just ended have settled, so the final spend is reported. */
    @Override
    public void stop() {
        running = false;
        for (Lease lease : leases.values()) {
            try {
                lease.release();
            } catch (RuntimeException e) {
                log.warn(
                        "could not release the lease of budget {}; it expires and is settled from its usage events: {}",
                        lease.budget.id(),
                        e.toString());
            }
        }
        leases.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 4096;
    }

    /**
     * One lease in memory. {@code spent} and {@code inFlight} are this instance's; {@code granted} is the ledger's
     * answer. A call fits while {@code spent + inFlight + its cost <= granted} and the lease has not outlived its time
     * to live. One renewal at a time; calls that do not fit meanwhile wait for it.
     */
    final class Lease {
        enum Kind {
            HELD,
            REFUSED,
            RETRY,
            CLOSED
        }

        record Outcome(Kind kind, BigDecimal left) {
            static final Outcome HELD = new Outcome(Kind.HELD, null);
            static final Outcome RETRY = new Outcome(Kind.RETRY, null);
            static final Outcome CLOSED = new Outcome(Kind.CLOSED, null);
        }

        final ApplicableBudget budget;
        final Window window;
        private UUID id;
        private BigDecimal granted = BigDecimal.ZERO;
        private BigDecimal spent = BigDecimal.ZERO;
        private BigDecimal inFlight = BigDecimal.ZERO;
        private BigDecimal reported = BigDecimal.ZERO;
        /** The maximum costs reserved since the last renewal was sent: the recent rate of calls. */
        private BigDecimal demand = BigDecimal.ZERO;

        private BigDecimal demandAtSend = BigDecimal.ZERO;
        private BigDecimal unit = BigDecimal.ZERO;
        private long renewedAtNanos = System.nanoTime();
        private long validUntilNanos;
        private CompletableFuture<LeaseGrant> renewing;
        private boolean closed;

        Lease(ApplicableBudget budget, Window window) {
            this.budget = budget;
            this.window = window;
        }

        private boolean fits(BigDecimal amount) {
            return id != null
                    && System.nanoTime() - validUntilNanos < 0
                    && spent.add(inFlight).add(amount).compareTo(granted) <= 0;
        }

        private void hold(BigDecimal amount) {
            inFlight = inFlight.add(amount);
            demand = demand.add(amount);
            unit = amount;
        }

        /** Holds {@code amount} in memory, or renews for it (or waits for the renewal under way) and tries again. */
        Outcome reserve(BigDecimal amount) throws Unavailable {
            CompletableFuture<LeaseGrant> pending;
            LeaseRequest request = null;
            synchronized (this) {
                if (closed) {
                    return Outcome.CLOSED;
                }
                if (fits(amount)) {
                    hold(amount);
                    return Outcome.HELD;
                }
                if (renewing == null) {
                    renewing = new CompletableFuture<>();
                    request = request(amount);
                }
                pending = renewing;
            }
            if (request == null) {
                LeaseGrant grant = await(pending);
                // refused for a call no larger than this one: this one does not fit either
                return grant.refused() && grant.free().compareTo(amount) < 0
                        ? new Outcome(Kind.REFUSED, grant.free())
                        : Outcome.RETRY;
            }
            meters.counter("tokenmeter.budget.lease_renewals", "trigger", "call")
                    .increment();
            LeaseGrant grant = renew(request, pending);
            synchronized (this) {
                if (grant.gone()) {
                    return Outcome.CLOSED;
                }
                if (grant.refused()) {
                    return new Outcome(Kind.REFUSED, grant.free());
                }
                if (fits(amount)) {
                    hold(amount); // the room was asked for this call: no other call takes it first
                    return Outcome.HELD;
                }
                return Outcome.RETRY;
            }
        }

        private LeaseGrant await(CompletableFuture<LeaseGrant> pending) throws Unavailable {
            try {
                return pending.get(WAIT_FOR_RENEWAL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Unavailable("interrupted");
            } catch (TimeoutException e) {
                throw new Unavailable("the budget ledger did not answer in time");
            } catch (ExecutionException e) {
                throw new Unavailable("the budget ledger failed: " + e.getCause());
            }
        }

        /** Sends the request and applies the answer; completes {@code pending} for the calls waiting on it. */
        private LeaseGrant renew(LeaseRequest request, CompletableFuture<LeaseGrant> pending) {
            long sentAt = System.nanoTime();
            LeaseGrant grant;
            try {
                grant = book.renew(request);
            } catch (RuntimeException e) {
                synchronized (this) {
                    renewing = null;
                }
                pending.completeExceptionally(e);
                throw e;
            }
            synchronized (this) {
                renewing = null;
                if (grant.gone()) {
                    closed = true; // expired while this instance could not reach the ledger: a new lease replaces it
                } else {
                    id = grant.leaseId();
                    granted = grant.granted();
                    reported = request.reported();
                    validUntilNanos = sentAt + properties.leaseTtl().toNanos();
                    demand = demand.subtract(demandAtSend); // what was asked for since the request was sent stays
                    renewedAtNanos = sentAt;
                }
            }
            pending.complete(grant);
            return grant;
        }

        /** Under the lock: what to ask the ledger for, room for {@code need} included. */
        private LeaseRequest request(BigDecimal need) {
            BigDecimal typical = unit.max(need);
            BigDecimal want;
            if (id == null) {
                want = typical.multiply(BigDecimal.valueOf(FIRST_SLICE_CALLS));
            } else {
                double seconds = Math.max(0.05, (System.nanoTime() - renewedAtNanos) / 1e9);
                BigDecimal perSecond = demand.divide(BigDecimal.valueOf(seconds), 12, RoundingMode.HALF_UP);
                want = perSecond.multiply(BigDecimal.valueOf(properties.slice().toMillis() / 1000.0));
            }
            want = wholeUnits(want.max(need), typical);
            demandAtSend = demand;
            BigDecimal committed = spent.add(inFlight);
            return new LeaseRequest(
                    id,
                    budget.id(),
                    window,
                    instanceId,
                    spent,
                    committed,
                    need,
                    typical,
                    want,
                    properties.leaseTtl().toMillis());
        }

        private static BigDecimal wholeUnits(BigDecimal amount, BigDecimal unit) {
            if (unit.signum() <= 0) {
                return amount;
            }
            return amount.divide(unit, 0, RoundingMode.CEILING).multiply(unit);
        }

        synchronized UUID id() {
            return id;
        }

        synchronized void unreserve(BigDecimal amount) {
            inFlight = inFlight.subtract(amount);
        }

        synchronized void settle(BigDecimal amount, BigDecimal cost) {
            inFlight = inFlight.subtract(amount);
            spent = spent.add(cost);
        }

        /** The background step: renews an active lease, releases an idle one; true when it is closed. */
        boolean renewOrRelease() {
            CompletableFuture<LeaseGrant> pending;
            LeaseRequest request;
            synchronized (this) {
                if (closed) {
                    return true;
                }
                if (renewing != null || id == null) {
                    return false;
                }
                if (inFlight.signum() == 0 && demand.signum() == 0) {
                    closed = true; // calls arriving from now on open a new lease
                    request = null;
                    pending = null;
                } else {
                    renewing = new CompletableFuture<>();
                    pending = renewing;
                    request = request(BigDecimal.ZERO);
                }
            }
            if (request == null) {
                meters.counter("tokenmeter.budget.lease_renewals", "trigger", "release")
                        .increment();
                book.release(new LeaseRelease(id, currentSpent()));
                return true;
            }
            meters.counter("tokenmeter.budget.lease_renewals", "trigger", "background")
                    .increment();
            return renew(request, pending).gone();
        }

        private synchronized BigDecimal currentSpent() {
            return spent;
        }

        /** On shutdown: the final spend, and the slice back to the budget. */
        void release() {
            UUID leaseId;
            synchronized (this) {
                closed = true;
                leaseId = id;
            }
            if (leaseId != null) {
                book.release(new LeaseRelease(leaseId, currentSpent()));
            }
        }
    }
}
