package io.tokenmeter.gateway.budgets;

import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.usage.TokenUsage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a call may cost before it runs (its reservation), what it did cost, and how big a slice a lease gets. */
class CallCostTest {

    private static final ResolvedRoute ROUTE = new ResolvedRoute(
            "deepseek-v3.2",
            "deepseek",
            "cn-hangzhou",
            "deepseek-chat",
            URI.create("http://upstream/v1/chat/completions"),
            null,
            "key",
            Duration.ofSeconds(1),
            Duration.ofSeconds(5),
            8192L);

    private static RateCards.RateCard card(Map<String, String> rates) {
        Map<String, BigDecimal> byKey = new java.util.HashMap<>();
        rates.forEach((tokenClass, rate) -> byKey.put("deepseek-v3.2|cn-hangzhou|" + tokenClass, new BigDecimal(rate)));
        return new RateCards.RateCard("USD", null, byKey);
    }

    @Test
    void theMaximumCostPricesEveryPromptTokenAtTheDearestInputSideRate() throws Exception {
        RateCards.RateCard card =
                card(Map.of("input", "0.28", "cached_input", "0.028", "cache_write", "0.35", "output", "0.42"));
        // 10,000 prompt tokens at 0.35 (cache writes are dearest here) + 2,000 output at 0.42, per million
        assertThat(CallBudgets.maxCost(card, ROUTE, 10_000, 2_000)).isEqualByComparingTo("0.00434");
    }

    @Test
    void theActualCostPricesEachClassAtItsOwnRate() {
        RateCards.RateCard card = card(Map.of("input", "0.28", "cached_input", "0.028", "output", "0.42"));
        // no cache-write rate: priced at the dearest prompt rate (0.28), never free
        BigDecimal cost =
                CallBudgets.cost(card, ROUTE, new TokenUsage(1_000_000, 1_000_000, 1_000_000, 1_000_000, 500_000));
        assertThat(cost).isEqualByComparingTo("1.008");
    }

    @Test
    void aRouteWithoutInputOrOutputPriceCannotBeReserved() {
        assertThatThrownBy(() -> CallBudgets.maxCost(card(Map.of("input", "0.28")), ROUTE, 1, 1))
                .isInstanceOf(RateCards.Unpriced.class)
                .hasMessageContaining("no output price");
        assertThatThrownBy(
                        () -> CallBudgets.maxCost(card(Map.of("cached_input", "0.1", "output", "0.42")), ROUTE, 1, 1))
                .isInstanceOf(RateCards.Unpriced.class)
                .hasMessageContaining("no input price");
    }

    private static BigDecimal room(String free, String need, String unit, String want) {
        BudgetLedger.LeaseRequest request = new BudgetLedger.LeaseRequest(
                null,
                null,
                null,
                "gw",
                BigDecimal.ZERO,
                BigDecimal.ZERO,
                new BigDecimal(need),
                new BigDecimal(unit),
                new BigDecimal(want),
                Duration.ofSeconds(30));
        return BudgetLedger.room(request, new BigDecimal(free));
    }

    @Test
    void aLeaseGetsWhatItAsksAtMostHalfOfWhatIsFreeInWholeCallsAndNearTheEndOneCallAtATime() {
        assertThat(room("1.00", "0.01", "0.01", "0.08")).isEqualByComparingTo("0.08");
        assertThat(room("1.00", "0.01", "0.01", "5.00"))
                .as("half of what is free")
                .isEqualByComparingTo("0.50");
        assertThat(room("0.333", "0.01", "0.01", "5.00"))
                .as("in whole calls: no fraction of a call stranded on an instance")
                .isEqualByComparingTo("0.16");
        assertThat(room("0.04", "0.01", "0.01", "0.08"))
                .as("four calls left: only the call at hand")
                .isEqualByComparingTo("0.01");
        assertThat(room("0.03", "0", "0.01", "0.08"))
                .as("near the end a renewal in the background keeps no room")
                .isEqualByComparingTo("0");
        assertThat(room("0.015", "0.015", "0.01", "0.08"))
                .as("a call larger than the usual still fits exactly")
                .isEqualByComparingTo("0.015");
        assertThat(room("0", "0", "0.01", "0.08")).isEqualByComparingTo("0");
    }
}
