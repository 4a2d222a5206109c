package io.tokenmeter.gateway.prices;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.gateway.prices.RateCards.RateCard;
import io.tokenmeter.gateway.prices.RateCards.Unpriced;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.usage.TokenUsage;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What one call cost the tenant, as its answer shows it: each token class at the rate in force at the call (the price
 * book version, contract, off-peak window and FX rate of the tenant's rate card), in the tenant's invoice currency,
 * unrounded (a call costs fractions of a minor unit; the invoice rounds its lines). A graduated or volume tier is not
 * known per call: the first tier's rate is shown, so a month that reaches a cheaper tier is invoiced for less than
 * its calls showed (see the gateway README).
 */
@Component
public class CallCosts {

    /** A call's cost, or why it has none. */
    public sealed interface Priced permits Cost, NoCost {}

    /** The cost per token class (input, cached_input, cache_write, output), which sum to {@code total}. */
    public record Cost(
            BigDecimal total,
            String currency,
            Map<String, BigDecimal> byClass,
            String priceBookId,
            Integer priceBookVersion,
            boolean offPeak)
            implements Priced {}

    /** The call cannot be priced (never shown as zero). */
    public record NoCost(String reason) implements Priced {}

    private static final Executor FETCHES = Executors.newVirtualThreadPerTaskExecutor();

    private final RateCards cards;
    private final PriceProperties properties;

    CallCosts(RateCards cards, PriceProperties properties) {
        this.cards = cards;
        this.properties = properties;
    }

    /**
     * Prices the tokens of a call served on {@code route}. A card not cached yet is fetched for at most
     * {@code cost-wait}; the call is answered without a cost after that (the fetch goes on and fills the cache).
     */
    public Priced price(Caller caller, String currency, ResolvedRoute route, TokenUsage tokens) {
        if (currency == null || currency.isBlank()) {
            return new NoCost("the tenant has no invoice currency");
        }
        RateCard card;
        try {
            card = CompletableFuture.supplyAsync(() -> cards.card(caller, currency), FETCHES)
                    .get(properties.costWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return new NoCost(
                    "pricing did not answer within " + properties.costWait().toMillis() + " ms");
        } catch (ExecutionException e) {
            return new NoCost(
                    e.getCause() instanceof Unpriced unpriced ? unpriced.getMessage() : "pricing failed to answer");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new NoCost("the gateway is shutting down");
        }
        return price(card, route, tokens);
    }

    /** The arithmetic alone, on a card in hand. */
    static Priced price(RateCard card, ResolvedRoute route, TokenUsage tokens) {
        Map<String, BigDecimal> byClass = new LinkedHashMap<>();
        BigDecimal total = BigDecimal.ZERO;
        String[] classes = {"input", "cached_input", "cache_write", "output"};
        long[] counts = {tokens.input(), tokens.cachedInput(), tokens.cacheWrite(), tokens.output()};
        for (int i = 0; i < classes.length; i++) {
            if (counts[i] == 0) {
                byClass.put(classes[i], BigDecimal.ZERO);
                continue;
            }
            BigDecimal rate = card.rateNow(route.model(), route.region(), classes[i]);
            if (rate == null) {
                return new NoCost("no price for " + classes[i] + " tokens of " + route.model() + " in " + route.region()
                        + " in the tenant's price book");
            }
            BigDecimal amount = rate.multiply(BigDecimal.valueOf(counts[i]))
                    .movePointLeft(6)
                    .stripTrailingZeros();
            byClass.put(classes[i], amount);
            total = total.add(amount);
        }
        return new Cost(
                total.stripTrailingZeros(),
                card.currency(),
                byClass,
                card.priceBookId(),
                card.priceBookVersion(),
                card.offPeak());
    }
}
