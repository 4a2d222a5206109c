package io.tokenmeter.gateway.budgets;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi;
import io.tokenmeter.contracts.budgets.BudgetLeaseApi.ApplicableBudget;
import io.tokenmeter.contracts.usage.BudgetCharge;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.prices.RateCards;
import io.tokenmeter.gateway.prices.RateCards.RateCard;
import io.tokenmeter.gateway.prices.RateCards.Unpriced;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.usage.TokenUsage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Budgets on the model-call path. Before a call: its maximum cost (the prompt's upper bound and the output it may
 * produce, at the dearest rate any allowed route can charge) is reserved on this instance's lease of every budget of
 * the key and its tenant, or the call is refused. After it: each attempt's tokens are priced at the same card, put on
 * the attempt's usage event and settled on the leases. A key with no budgets costs one in-memory lookup; a budgeted
 * call, no database round trip while its leases have room ({@link BudgetLeases}).
 */
@Component
public class CallBudgets {

    private static final Logger log = LoggerFactory.getLogger(CallBudgets.class);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /** Why a call was not admitted, said in the model API's own error shape by the caller. */
    public record Refusal(ModelApiError error, String message) {}

    public static final class Refused extends Exception {
        private final transient Refusal refusal;

        Refused(Refusal refusal) {
            super(refusal.message(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    private final BudgetProperties properties;
    private final ApplicableBudgets budgets;
    private final BudgetLeases leases;
    private final RateCards rateCards;
    private final MeterRegistry meters;
    private final Timer reserveTimer;
    private final Counter overruns;

    CallBudgets(
            BudgetProperties properties,
            ApplicableBudgets budgets,
            BudgetLeases leases,
            RateCards rateCards,
            MeterRegistry meters) {
        this.properties = properties;
        this.budgets = budgets;
        this.leases = leases;
        this.rateCards = rateCards;
        this.meters = meters;
        this.reserveTimer = Timer.builder("tokenmeter.budget.reserve")
                .description("time to reserve a call's maximum cost")
                .register(meters);
        this.overruns = Counter.builder("tokenmeter.budget.overruns")
                .description("settlements that cost more than was reserved (the bound's exceptions)")
                .register(meters);
    }

    /**
     * Reserves the call's maximum cost on every budget that applies to the key, or refuses it.
     *
     * @param promptBound        an upper bound of the prompt's tokens, asked for only when a budget applies
     * @param output      the output the request's own fields let an upstream generate, and how many choices
     */
    public Hold reserve(ActiveKey key, List<ResolvedRoute> routes, LongSupplier promptBound, OutputBound output)
            throws Refused {
        if (!properties.enabled()) {
            return Hold.NONE;
        }
        Instant now = Instant.now();
        List<ApplicableBudget> known;
        try {
            known = budgets.of(key.tenantId(), key.keyId());
        } catch (RuntimeException e) {
            // billing unreachable and this key's budgets never loaded here: not waved through (logged by the loader)
            count("unavailable");
            throw new Refused(new Refusal(
                    ModelApiError.BUDGET_CHECK_UNAVAILABLE,
                    "Whether this key has a budget cannot be checked right now (billing-service is unreachable)."
                            + " Retry shortly."));
        }
        List<ApplicableBudget> applicable =
                known.stream().filter(b -> b.windowAt(now) != null).toList();
        if (applicable.isEmpty()) {
            return Hold.NONE;
        }
        long started = System.nanoTime();
        long prompt = promptBound.getAsLong();
        Map<String, RateCard> cards = new HashMap<>();
        Map<String, BigDecimal> maxByCurrency = new HashMap<>(); // a tenant's and a key's budget share a currency
        Map<String, BigDecimal> maxCosts = new HashMap<>();
        try {
            for (ApplicableBudget budget : applicable) {
                maxCosts.put(budget.id(), maxByCurrency.computeIfAbsent(budget.currency(), currency -> {
                    RateCard card = cards.computeIfAbsent(currency, c -> rateCards.card(key.caller(), c));
                    BigDecimal max = BigDecimal.ZERO;
                    for (ResolvedRoute route : routes) {
                        long outputTokens = output.tokens(route.maxOutputTokens(), properties.defaultMaxOutputTokens());
                        max = max.max(maxCost(card, route, prompt, outputTokens));
                    }
                    return max;
                }));
            }
        } catch (Unpriced e) {
            count("unpriced");
            throw new Refused(new Refusal(
                    e.unavailable() ? ModelApiError.BUDGET_CHECK_UNAVAILABLE : ModelApiError.BUDGET_UNPRICED,
                    "This key has a budget, and the call cannot be priced against it: " + e.getMessage()
                            + (e.unavailable() ? " Retry shortly." : "")));
        }
        BudgetLeases.Admission admission;
        try {
            admission = leases.reserve(applicable, maxCosts, now);
        } catch (BudgetLeases.Unavailable e) {
            count("unavailable");
            throw unavailable(e.getMessage());
        } catch (RuntimeException e) {
            count("unavailable");
            log.warn("budget reservation failed: {}", e.toString());
            throw unavailable("the budget ledger failed");
        } finally {
            reserveTimer.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        if (admission.refused()) {
            count("refused");
            ApplicableBudget b = admission.refusedBy();
            throw new Refused(new Refusal(
                    ModelApiError.BUDGET_EXCEEDED,
                    "The " + b.describe() + " cannot cover this call: its maximum cost is "
                            + plain(maxCosts.get(b.id())) + " " + b.currency()
                            + " and " + plain(admission.remaining()) + " " + b.currency() + " is left"
                            + (b.kind() == BudgetLeaseApi.Kind.PREPAID ? "; top up the balance" : " this period")
                            + ". Lower max_tokens or the prompt, or ask for a higher budget."));
        }
        count("reserved");
        return new Hold(this, admission.held(), cards);
    }

    private Refused unavailable(String why) {
        return new Refused(new Refusal(
                ModelApiError.BUDGET_CHECK_UNAVAILABLE,
                "This key has a budget, and it cannot be checked right now (" + why + "). Retry shortly."));
    }

    private void count(String outcome) {
        meters.counter("tokenmeter.budget.reservations", "outcome", outcome).increment();
    }

    private static String plain(BigDecimal amount) {
        return amount.round(new MathContext(6)).stripTrailingZeros().toPlainString();
    }

    /** The most the call can cost on this route: every prompt token at the dearest input-side rate, plus the output. */
    static BigDecimal maxCost(RateCard card, ResolvedRoute route, long promptTokens, long outputTokens)
            throws Unpriced {
        BigDecimal promptRate = promptRate(card, route);
        BigDecimal outputRate = card.rate(route.model(), route.region(), "output");
        if (outputRate == null) {
            throw new Unpriced("no output price for " + route.model() + " in " + route.region() + ".", false);
        }
        return promptRate
                .multiply(BigDecimal.valueOf(promptTokens))
                .add(outputRate.multiply(BigDecimal.valueOf(outputTokens)))
                .divide(MILLION);
    }

    private static BigDecimal promptRate(RateCard card, ResolvedRoute route) {
        BigDecimal max = null;
        for (String tokenClass : new String[] {"input", "cached_input", "cache_write"}) {
            BigDecimal rate = card.rate(route.model(), route.region(), tokenClass);
            if (rate != null && (max == null || rate.compareTo(max) > 0)) {
                max = rate;
            }
        }
        if (max == null || card.rate(route.model(), route.region(), "input") == null) {
            throw new Unpriced("no input price for " + route.model() + " in " + route.region() + ".", false);
        }
        return max;
    }

    /** What the tokens cost on the route; a class without its own rate is priced at the dearest prompt rate. */
    static BigDecimal cost(RateCard card, ResolvedRoute route, TokenUsage usage) {
        BigDecimal fallback = promptRate(card, route);
        return rate(card, route, "input", fallback)
                .multiply(BigDecimal.valueOf(usage.input()))
                .add(rate(card, route, "cached_input", fallback).multiply(BigDecimal.valueOf(usage.cachedInput())))
                .add(rate(card, route, "cache_write", fallback).multiply(BigDecimal.valueOf(usage.cacheWrite())))
                .add(card.rate(route.model(), route.region(), "output").multiply(BigDecimal.valueOf(usage.output())))
                .divide(MILLION);
    }

    private static BigDecimal rate(RateCard card, ResolvedRoute route, String tokenClass, BigDecimal fallback) {
        BigDecimal rate = card.rate(route.model(), route.region(), tokenClass);
        return rate == null ? fallback : rate;
    }

    /** Settles in memory; the lease reports the spend at its next renewal, and the calls' events carry it too. */
    private void settle(List<BudgetLeases.Held> held, Map<String, BigDecimal> costs) {
        for (BudgetLeases.Held h : held) {
            String budgetId = h.lease().budget.id();
            if (costs.getOrDefault(budgetId, BigDecimal.ZERO).compareTo(h.amount()) > 0) {
                overruns.increment();
                log.warn(
                        "call cost {} {} on {}, more than the {} reserved",
                        costs.get(budgetId),
                        h.lease().budget.currency(),
                        budgetId,
                        h.amount());
            }
        }
        leases.settle(held, costs);
    }

    /**
     * What one admitted call holds. Every attempt that consumed tokens is charged; {@link #settle()} is called once,
     * when the call is over.
     */
    public static final class Hold {
        static final Hold NONE = new Hold(null, List.of(), Map.of());

        private final CallBudgets budgets;
        private final List<BudgetLeases.Held> held;
        private final Map<String, RateCard> cards;
        private final Map<String, BigDecimal> costs = new LinkedHashMap<>();

        private Hold(CallBudgets budgets, List<BudgetLeases.Held> held, Map<String, RateCard> cards) {
            this.budgets = budgets;
            this.held = held;
            this.cards = cards;
        }

        /**
         * Prices one attempt's tokens on every budget the call is held to; returns the charges its usage event
         * carries, so that the spend is booked even if this instance dies before its lease reports it.
         */
        public List<BudgetCharge> charge(ResolvedRoute route, TokenUsage usage) {
            if (held.isEmpty() || !usage.consumedTokens()) {
                return List.of();
            }
            List<BudgetCharge> charges = new ArrayList<>(held.size());
            for (BudgetLeases.Held h : held) {
                ApplicableBudget budget = h.lease().budget;
                BigDecimal cost = cost(cards.get(budget.currency()), route, usage);
                costs.merge(budget.id(), cost, BigDecimal::add);
                charges.add(new BudgetCharge(h.leaseId(), budget.id(), cost));
            }
            return charges;
        }

        public void settle() {
            if (!held.isEmpty()) {
                budgets.settle(held, costs);
            }
        }
    }
}
