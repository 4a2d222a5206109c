package io.tokenmeter.billing.run;

import io.tokenmeter.billing.BillingErrors;
import io.tokenmeter.billing.calls.ServiceCalls;
import io.tokenmeter.billing.invoice.InvoiceLine;
import io.tokenmeter.billing.invoice.InvoiceRepository;
import io.tokenmeter.billing.invoice.LineKind;
import io.tokenmeter.billing.issuer.Issuer;
import io.tokenmeter.billing.issuer.IssuerRepository;
import io.tokenmeter.billing.profile.BillingProfile;
import io.tokenmeter.billing.profile.BillingProfileRepository;
import io.tokenmeter.billing.tax.TaxRule;
import io.tokenmeter.billing.tax.TaxRuleRepository;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.usage.BillableUsage;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Invoice runs: a period is billed once, for every tenant with usage in it as of the run's ingest cut-off, each
 * tenant on its own (one failing does not stop the others; it can be retried alone). A tenant's draft is made in
 * one transaction with its run row locked, so a retry racing the run cannot bill it twice (and the database holds
 * one invoice per run and tenant). Runs left with pending tenants by a crash resume at start.
 */
@Service
class InvoiceRunService implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(InvoiceRunService.class);

    /** A run, and whether this request made it (false: the period had been run already, nothing new was made). */
    record Started(InvoiceRun run, boolean created) {}

    private final InvoiceRunRepository runs;
    private final ServiceCalls calls;
    private final BillingProfileRepository profiles;
    private final IssuerRepository issuers;
    private final TaxRuleRepository taxRules;
    private final InvoiceRepository ledger;
    private final TransactionTemplate tx;
    private final RunProperties properties;
    private final Clock clock = Clock.systemUTC();
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

    InvoiceRunService(
            InvoiceRunRepository runs,
            ServiceCalls calls,
            BillingProfileRepository profiles,
            IssuerRepository issuers,
            TaxRuleRepository taxRules,
            InvoiceRepository ledger,
            TransactionTemplate tx,
            RunProperties properties) {
        this.runs = runs;
        this.calls = calls;
        this.profiles = profiles;
        this.issuers = issuers;
        this.taxRules = taxRules;
        this.ledger = ledger;
        this.tx = tx;
        this.properties = properties;
    }

    Started start(Instant from, Instant to, String by) {
        var existing = runs.findByPeriod(from, to);
        if (existing.isPresent()) {
            return new Started(view(existing.get().id()), false);
        }
        Instant now = clock.instant();
        if (now.isBefore(to.plus(properties.grace()))) {
            throw new ApiException(
                    BillingErrors.PERIOD_OPEN,
                    "the period ends at " + to + "; with the grace window of "
                            + properties.grace().toMinutes() + " min it can be run from "
                            + to.plus(properties.grace()));
        }
        var latest = runs.latest();
        if (latest.isPresent() && from.isBefore(latest.get().periodEnd())) {
            throw new ApiException(
                    BillingErrors.CONFLICT,
                    "runs follow each other in time: the last run's period ended at "
                            + latest.get().periodEnd() + ", so a new one starts there or later");
        }
        Instant cutoff = now.minus(properties.settle());
        InvoiceRunRepository.Run run = new InvoiceRunRepository.Run(
                UUID.randomUUID(),
                from,
                to,
                cutoff,
                latest.map(InvoiceRunRepository.Run::cutoff).orElse(null),
                latest.map(InvoiceRunRepository.Run::firstPeriodStart).orElse(from));
        Set<String> tenants = new TreeSet<>(calls.tenantsWithUsage(from, to, null, cutoff));
        if (run.previousCutoff() != null) { // and those with only late usage of earlier periods
            tenants.addAll(calls.tenantsWithUsage(run.firstPeriodStart(), from, run.previousCutoff(), cutoff));
        }
        Boolean created = tx.execute(status -> {
            runs.lockRunStarts(); // with the lock, what was read above is checked again: another start may have won
            if (runs.findByPeriod(from, to).isPresent()) {
                return false;
            }
            if (!runs.latest().map(InvoiceRunRepository.Run::id).equals(latest.map(InvoiceRunRepository.Run::id))) {
                throw new ApiException(
                        BillingErrors.CONFLICT, "another run was started meanwhile; start this one again");
            }
            runs.insert(run, List.copyOf(tenants), by);
            return true;
        });
        if (!Boolean.TRUE.equals(created)) {
            return new Started(view(runs.findByPeriod(from, to).orElseThrow().id()), false);
        }
        workers.execute(() -> processPending(run.id()));
        return new Started(view(run.id()), true);
    }

    List<InvoiceRun> list(int page, int size) {
        return runs.page(page, size).stream().map(this::view).toList();
    }

    InvoiceRun view(UUID id) {
        return runs.view(id).orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no run " + id));
    }

    /** Retries a failed tenant now; returns the run as it then stands. */
    InvoiceRun retry(UUID runId, String tenantId) {
        view(runId);
        if (!runs.retry(runId, tenantId)) {
            throw new ApiException(BillingErrors.CONFLICT, "tenant " + tenantId + " has not failed in run " + runId);
        }
        process(runs.find(runId).orElseThrow(), tenantId);
        return view(runId);
    }

    /** What a re-rating did: the drafts priced again, and the tenants that could not be (with why). */
    record Rerated(InvoiceRun run, List<String> rerated, Map<String, String> notRerated) {}

    /**
     * Prices a run's drafts again and retries its failed tenants, after prices of its period changed (a back-dated
     * version or contract, for usage from before the first price). Each draft is replaced in one transaction, only
     * while it is still a draft; one whose new pricing fails keeps its old draft, and says why.
     */
    Rerated rerate(UUID runId) {
        view(runId);
        InvoiceRunRepository.Run run = runs.find(runId).orElseThrow();
        List<String> rerated = new ArrayList<>();
        Map<String, String> notRerated = new TreeMap<>();
        for (String tenantId : runs.withDrafts(runId)) {
            try {
                Draft draft = prepare(run, tenantId);
                boolean replaced = Boolean.TRUE.equals(tx.execute(status -> {
                    Optional<UUID> old = runs.detachDraft(runId, tenantId);
                    if (old.isEmpty()) {
                        return false;
                    }
                    ledger.deleteDraft(old.get());
                    runs.invoiced(runId, tenantId, writeDraft(run, draft, "run " + runId + ", re-rated"));
                    return true;
                }));
                if (replaced) {
                    rerated.add(tenantId);
                } else {
                    notRerated.put(tenantId, "its invoice was issued meanwhile");
                }
            } catch (RuntimeException e) {
                notRerated.put(tenantId, e.getMessage());
            }
        }
        for (String tenantId : runs.failed(runId)) {
            if (runs.retry(runId, tenantId)) {
                process(run, tenantId);
                if (runs.failed(runId).contains(tenantId)) {
                    notRerated.put(tenantId, "failed again; see the run");
                } else {
                    rerated.add(tenantId);
                }
            }
        }
        log.info("run {} re-rated: {} tenants, {} not", runId, rerated.size(), notRerated.size());
        return new Rerated(view(runId), rerated, notRerated);
    }

    /**
     * Metered (as of the cut-off) against invoiced, per tenant and token class; late arrivals since the cut-off, as
     * far as they have settled, apart. A difference has a cause: the tenant's failure (unpriced usage, ...) or, for
     * an invoiced tenant, none known, which would be a bug and says so.
     */
    Reconciliation reconcile(UUID runId) {
        InvoiceRunRepository.Run run =
                runs.find(runId).orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no run " + runId));
        Instant lateUntil = clock.instant().minus(properties.settle());
        boolean lateSettled = lateUntil.isAfter(run.cutoff());
        var invoiced = ledger.invoicedUsage(runId);
        List<Reconciliation.TenantReconciliation> tenants = new ArrayList<>();
        boolean clean = true;
        List<InvoiceRunRepository.TenantState> states = new ArrayList<>(runs.tenants(runId));
        if (lateSettled) { // tenants whose only usage of the period arrived after the cut-off
            Set<String> known = new HashSet<>();
            states.forEach(t -> known.add(t.tenantId()));
            calls.tenantsWithUsage(run.periodStart(), run.periodEnd(), run.cutoff(), lateUntil).stream()
                    .filter(t -> !known.contains(t))
                    .forEach(t -> states.add(new InvoiceRunRepository.TenantState(t, "late_only", null)));
        }
        for (InvoiceRunRepository.TenantState tenant : states) {
            var metered = tenant.status().equals("late_only")
                    ? Map.<String, Long>of()
                    : tokensByClass(calls.billableUsage(
                            tenant.tenantId(), run.periodStart(), run.periodEnd(), null, run.cutoff()));
            var late = lateSettled
                    ? tokensByClass(calls.billableUsage(
                            tenant.tenantId(), run.periodStart(), run.periodEnd(), run.cutoff(), lateUntil))
                    : Map.<String, Long>of();
            var billed = invoiced.getOrDefault(tenant.tenantId(), Map.of());
            Set<String> classes = new TreeSet<>(metered.keySet());
            classes.addAll(billed.keySet());
            classes.addAll(late.keySet());
            List<Reconciliation.ClassReconciliation> rows = new ArrayList<>();
            List<String> causes = new ArrayList<>();
            for (String tokenClass : classes) {
                long m = metered.getOrDefault(tokenClass, 0L);
                long b = billed.getOrDefault(tokenClass, 0L);
                long l = late.getOrDefault(tokenClass, 0L);
                rows.add(new Reconciliation.ClassReconciliation(tokenClass, m, b, m - b, l));
                if (l > 0) {
                    causes.add(
                            l + " " + tokenClass
                                    + " tokens arrived after the cut-off (late events): the next run bills them as adjustments");
                }
                if (m != b) {
                    clean = false;
                    causes.add(
                            switch (tenant.status()) {
                                case "failed" -> (m - b) + " " + tokenClass + " tokens not invoiced: " + tenant.error();
                                case "pending" ->
                                    (m - b) + " " + tokenClass + " tokens not invoiced yet: the tenant is pending";
                                default ->
                                    (m - b) + " " + tokenClass
                                            + " tokens differ with no known cause: a defect to investigate";
                            });
                }
            }
            tenants.add(new Reconciliation.TenantReconciliation(tenant.tenantId(), tenant.status(), rows, causes));
        }
        return new Reconciliation(
                runId,
                run.periodStart(),
                run.periodEnd(),
                run.cutoff(),
                lateSettled ? lateUntil : null,
                clean,
                tenants);
    }

    private static Map<String, Long> tokensByClass(BillableUsage usage) {
        Map<String, Long> tokens = new TreeMap<>();
        usage.lines().forEach(line -> tokens.merge(line.tokenClass(), line.tokens(), Long::sum));
        return tokens;
    }

    @Override
    public void run(ApplicationArguments args) {
        for (UUID runId : runs.runsWithPendingTenants()) {
            log.info("resuming invoice run {}", runId);
            workers.execute(() -> processPending(runId));
        }
    }

    /** Drafts the pending tenants, {@code parallelism} at a time (each mostly waits on metering and pricing). */
    private void processPending(UUID runId) {
        InvoiceRunRepository.Run run = runs.find(runId).orElseThrow();
        Semaphore slots = new Semaphore(properties.parallelism());
        try (ExecutorService tenants = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String tenant : runs.pending(runId)) {
                slots.acquireUninterruptibly();
                tenants.execute(() -> {
                    try {
                        process(run, tenant);
                    } finally {
                        slots.release();
                    }
                });
            }
        }
    }

    /**
     * Usage and quotes are fetched first, with no transaction open and no row locked, so a stalled metering or pricing
     * holds no database connection and no lock (it fails this tenant at the call timeout); then one transaction locks
     * the tenant's run row and, if the tenant is still pending, writes its draft.
     */
    private void process(InvoiceRunRepository.Run run, String tenantId) {
        try {
            if (!runs.isPending(run.id(), tenantId)) {
                return; // a retry or another worker got there first
            }
            Draft draft = prepare(run, tenantId);
            tx.executeWithoutResult(status -> {
                if (runs.lockPending(run.id(), tenantId)) {
                    runs.invoiced(run.id(), tenantId, writeDraft(run, draft, "run " + run.id()));
                }
            });
        } catch (RuntimeException e) {
            String reason = e instanceof RunFailure
                            || e instanceof ApiException
                            || e instanceof ServiceCalls.ServiceCallException
                    ? e.getMessage()
                    : e.toString();
            log.warn("run {}: tenant {} not invoiced: {}", run.id(), tenantId, reason);
            tx.executeWithoutResult(status -> runs.failed(run.id(), tenantId, reason));
        }
    }

    private UUID writeDraft(InvoiceRunRepository.Run run, Draft draft, String by) {
        return ledger.draft(
                draft.buyer(),
                draft.issuer(),
                draft.taxRule(),
                run.periodStart(),
                run.periodEnd(),
                draft.lines(),
                by,
                run.id());
    }

    /** What a tenant's draft invoice is made of, gathered before its transaction. */
    private record Draft(BillingProfile buyer, Issuer issuer, TaxRule taxRule, List<InvoiceLine> lines) {}

    private Draft prepare(InvoiceRunRepository.Run run, String tenantId) {
        BillingProfile buyer = profiles.find(tenantId)
                .orElseThrow(() -> new RunFailure(
                        "no billing profile: the gateway has not published tenant " + tenantId + " on tenants.v1"));
        Issuer issuer = buyer.issuerId() != null
                ? issuers.find(buyer.issuerId())
                        .orElseThrow(
                                () -> new RunFailure("the tenant's issuer " + buyer.issuerId() + " is not configured"))
                : issuers.defaultIssuer().orElseThrow(() -> new RunFailure("no default issuer is configured"));
        TaxRule taxRule = taxRules.applicable(issuer.country(), buyer.billingCountry(), buyer.business());
        List<InvoiceLine> lines = new ArrayList<>(lateUsage(run, tenantId, buyer.currency()));
        BillableUsage usage = calls.usageToQuote(tenantId, run.periodStart(), run.periodEnd(), null, run.cutoff());
        if (!usage.lines().isEmpty()) {
            Quote quote = calls.quoteUsage(
                    tenantId, run.periodStart(), run.periodEnd(), buyer.currency(), usage.lines(), Map.of());
            lines.addAll(0, QuotedLines.of(quote, buyer.currency(), LineKind.USAGE, null, null, ""));
        }
        if (lines.isEmpty()) { // listed for late usage of a period no run covers: nothing to bill, and never a zero
            // invoice
            throw new RunFailure("no billable usage in any run's period as of the cut-off");
        }
        return new Draft(buyer, issuer, taxRule, lines);
    }

    /**
     * Late usage: events of earlier runs' periods ingested between the previous run's cut-off and this one's (so each
     * late event is billed once, by the first run after it arrived). Each earlier period is quoted on its own, its
     * tiers continuing from the tokens already invoiced for it, and billed as adjustment lines labelled with it.
     */
    private List<InvoiceLine> lateUsage(InvoiceRunRepository.Run run, String tenantId, String currency) {
        if (run.previousCutoff() == null) {
            return List.of();
        }
        List<InvoiceLine> lines = new ArrayList<>();
        for (InvoiceRunRepository.Run earlier : runs.between(run.firstPeriodStart(), run.periodStart())) {
            BillableUsage late = calls.usageToQuote(
                    tenantId, earlier.periodStart(), earlier.periodEnd(), run.previousCutoff(), run.cutoff());
            if (late.lines().isEmpty()) {
                continue;
            }
            Quote quote = calls.quoteUsage(
                    tenantId,
                    earlier.periodStart(),
                    earlier.periodEnd(),
                    currency,
                    late.lines(),
                    ledger.invoicedTokens(tenantId, earlier.id(), earlier.periodStart()));
            lines.addAll(QuotedLines.of(
                    quote,
                    currency,
                    LineKind.ADJUSTMENT,
                    earlier.periodStart(),
                    earlier.periodEnd(),
                    "late usage of " + earlier.periodStart() + " to " + earlier.periodEnd() + ": "));
        }
        return lines;
    }
}
