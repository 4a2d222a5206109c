package io.tokenmeter.gateway.budgets;

import io.tokenmeter.gateway.prices.RateCards.RateCard;
import io.tokenmeter.gateway.prices.RateCards.Unpriced;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.usage.TokenUsage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a call may cost before it runs (what it holds on its lease) and what it did cost. */
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

    private static RateCard card(Map<String, String> rates) {
        Map<String, BigDecimal> byKey = new java.util.HashMap<>();
        rates.forEach((tokenClass, rate) -> byKey.put("deepseek-v3.2|cn-hangzhou|" + tokenClass, new BigDecimal(rate)));
        return new RateCard("USD", null, byKey);
    }

    @Test
    void theMaximumCostPricesEveryPromptTokenAtTheDearestInputSideRate() throws Exception {
        RateCard card = card(Map.of("input", "0.28", "cached_input", "0.028", "cache_write", "0.35", "output", "0.42"));
        // 10,000 prompt tokens at 0.35 (cache writes are dearest here) + 2,000 output at 0.42, per million
        assertThat(CallBudgets.maxCost(card, ROUTE, 10_000, 2_000)).isEqualByComparingTo("0.00434");
    }

    @Test
    void theActualCostPricesEachClassAtItsOwnRate() {
        RateCard card = card(Map.of("input", "0.28", "cached_input", "0.028", "output", "0.42"));
        // no cache-write rate: priced at the dearest prompt rate (0.28), never free
        BigDecimal cost =
                CallBudgets.cost(card, ROUTE, new TokenUsage(1_000_000, 1_000_000, 1_000_000, 1_000_000, 500_000));
        assertThat(cost).isEqualByComparingTo("1.008");
    }

    @Test
    void aRouteWithoutInputOrOutputPriceCannotBeReserved() {
        assertThatThrownBy(() -> CallBudgets.maxCost(card(Map.of("input", "0.28")), ROUTE, 1, 1))
                .isInstanceOf(Unpriced.class)
                .hasMessageContaining("no output price");
        assertThatThrownBy(
                        () -> CallBudgets.maxCost(card(Map.of("cached_input", "0.1", "output", "0.42")), ROUTE, 1, 1))
                .isInstanceOf(Unpriced.class)
                .hasMessageContaining("no input price");
    }
}
