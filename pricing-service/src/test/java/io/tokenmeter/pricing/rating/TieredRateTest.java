package io.tokenmeter.pricing.rating;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TieredRateTest {

    // per 1M tokens: first 1M at 1.00, next 4M at 0.80, beyond 5M at 0.50
    static final List<Tier> TIERS = List.of(
            new Tier(0, new BigDecimal("1.00")),
            new Tier(1_000_000, new BigDecimal("0.80")),
            new Tier(5_000_000, new BigDecimal("0.50")));
    static final TieredRate GRADUATED = new TieredRate(TierMode.GRADUATED, TIERS);
    static final TieredRate VOLUME = new TieredRate(TierMode.VOLUME, TIERS);

    @ParameterizedTest(name = "graduated {0} tokens cost {1}")
    @CsvSource({
        "0, 0",
        "1, 0.000001",
        "999999, 0.999999", // one below the first boundary
        "1000000, 1.000000", // exactly at it: all in tier 1
        "1000001, 1.0000008", // one above: the last token at 0.80
        "4999999, 4.1999992",
        "5000000, 4.200000",
        "5000001, 4.2000005",
        "6000000, 4.700000", // 1 + 4 x 0.8 + 1 x 0.5
    })
    void graduatedPricesEachTierAtItsRate(long tokens, String expected) {
        assertThat(GRADUATED.amountFor(tokens)).isEqualByComparingTo(expected);
    }

    @ParameterizedTest(name = "volume {0} tokens cost {1}")
    @CsvSource({
        "0, 0",
        "100000, 0.1", // all at 1.00
        "800000, 0.8", // still below the next break's price
        "800001, 0.8000008", // from here reaching the next tier (1,000,001 x 0.80) is cheaper: no cliff
        "999999, 0.8000008", // one below the boundary
        "1000000, 0.8000008", // exactly at it
        "1000001, 0.8000008", // one above: all tokens at 0.80
        "3000000, 2.4",
        "4999999, 2.5000005", // capped by 5,000,001 x 0.50
        "5000001, 2.5000005",
        "6000000, 3.0", // all at 0.50
    })
    void volumePricesAllTokensAtTheTierReachedWithoutACliff(long tokens, String expected) {
        assertThat(VOLUME.amountFor(tokens)).isEqualByComparingTo(expected);
    }

    @Test
    void incrementalAmountsStartWhereThePeriodAlreadyIs() {
        assertThat(GRADUATED.incrementalAmount(900_000, 200_000))
                .isEqualByComparingTo("0.18"); // 100k x 1.00 + 100k x 0.80
        assertThat(GRADUATED.tierOf(999_999)).isZero();
        assertThat(GRADUATED.tierOf(1_000_000)).isEqualTo(1);
    }

    @Test
    void refusesTiersThatOverlapAreUnorderedLeaveAGapOrHaveNegativeRates() {
        assertThatThrownBy(() -> new TieredRate(TierMode.GRADUATED, List.of(new Tier(10, BigDecimal.ONE))))
                .hasMessageContaining("first tier must start at 0");
        assertThatThrownBy(() -> new TieredRate(
                        TierMode.GRADUATED, List.of(new Tier(0, BigDecimal.ONE), new Tier(0, BigDecimal.ONE))))
                .hasMessageContaining("must not overlap");
        assertThatThrownBy(() -> new TieredRate(
                        TierMode.VOLUME,
                        List.of(new Tier(0, BigDecimal.ONE), new Tier(5, BigDecimal.ONE), new Tier(3, BigDecimal.ONE))))
                .hasMessageContaining("tier 3 starts at 3");
        assertThatThrownBy(() -> new TieredRate(TierMode.GRADUATED, List.of(new Tier(0, new BigDecimal("-0.01")))))
                .hasMessageContaining("negative rate");
    }
}
