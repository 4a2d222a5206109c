package io.tokenmeter.pricing.rating;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TieredRateTest {

    // per 1M tokens: first 1M at 1.00, next 4M at 0.80, beyond 5M at 0.50
    static final List<Tier> TIERS = List.of(new Tier(0, new BigDecimal("1.00")), new Tier(1_000_000, new BigDecimal("0.80")),
            new Tier(5_000_000, new BigDecimal("0.50")));
    static final TieredRate GRADUATED = new TieredRate(TierMode.GRADUATED, TIERS);
    static final TieredRate VOLUME = new TieredRate(TierMode.VOLUME, TIERS);

    @ParameterizedTest(name = "graduated {0} tokens cost {1}")
    @CsvSource({
            "0, 0",
            "1, 0.000001",
            "999999, 0.999999",         // one below the first boundary
            "1000000, 1.000000",        // exactly at it: all in tier 1
            "1000001, 1.0000008",       // one above: the last token at 0.80
            "4999999, 4.1999992",
            "5000000, 4.200000",
            "5000001, 4.2000005",
            "6000000, 4.700000",        // 1 + 4 x 0.8 + 1 x 0.5
    })
    void graduatedPricesEachTierAtItsRate(long tokens, String expected) {
        assertThat(GRADUATED.amountFor(tokens)).isEqualByComparingTo(expected);
    }

    @ParameterizedTest(name = "volume {0} tokens cost {1}")
    @CsvSource({
            "0, 0",
            "100000, 0.1",              // all at 1.00
            "800000, 0.8",              // still below the next break's price
            "800001, 0.8000008",        // from here reaching the next tier (1,000,001 x 0.80) is cheaper: no cliff
            "999999, 0.8000008",        // one below the boundary
            "1000000, 0.8000008",       // exactly at it
            "1000001, 0.8000008",       // one above: all tokens at 0.80
            "3000000, 2.4",
            "4999999, 2.5000005",       // capped by 5,000,001 x 0.50
            "5000001, 2.5000005",
            "6000000, 3.0",             // all at 0.50
    })
    void volumePricesAllTokensAtTheTierReachedWithoutACliff(long tokens, String expected) {
        assertThat(VOLUME.amountFor(tokens)).isEqualByComparingTo(expected);
    }

    @Test
    void incrementalAmountsStartWhereThePeriodAlreadyIs() {
        assertThat(GRADUATED.incrementalAmount(900_000, 200_000)).isEqualByComparingTo("0.18"); // 100k x 1.00 + 100k x 0.80
        assertThat(GRADUATED.tierOf(999_999)).isZero();
        assertThat(GRADUATED.tierOf(1_000_000)).isEqualTo(1);
    }

    @Test
    void refusesTiersThatOverlapAreUnorderedLeaveAGapOrHaveNegativeRates() {
        assertThatThrownBy(() -> new TieredRate(TierMode.GRADUATED, List.of(new Tier(10, BigDecimal.ONE))))
                .hasMessageContaining("first tier must start at 0");
        assertThatThrownBy(() -> new TieredRate(TierMode.GRADUATED, List.of(new Tier(0, BigDecimal.ONE), new Tier(0, BigDecimal.ONE))))
                .hasMessageContaining("must not overlap");
        assertThatThrownBy(() -> new TieredRate(TierMode.VOLUME, List.of(new Tier(0, BigDecimal.ONE), new Tier(5, BigDecimal.ONE), new Tier(3, BigDecimal.ONE))))
                .hasMessageContaining("tier 3 starts at 3");
        assertThatThrownBy(() -> new TieredRate(TierMode.GRADUATED, List.of(new Tier(0, new BigDecimal("-0.01")))))
                .hasMessageContaining("negative rate");
    }

    // Property checks over random tier schedules and quantities, from a fixed seed so a failure reproduces.

    @Test
    void graduatedPricingOfAQuantityEqualsTheSumOverAnySplitOfIt() {
        Random random = new Random(20260225);
        for (int run = 0; run < 2_000; run++) {
            TieredRate rate = new TieredRate(TierMode.GRADUATED, randomTiers(random));
            long start = random.nextLong(0, 20_000_000);
            long total = random.nextLong(0, 20_000_000);
            int parts = 1 + random.nextInt(8);
            BigDecimal sum = BigDecimal.ZERO;
            long counted = start;
            long left = total;
            for (int p = 0; p < parts; p++) {
                long part = p == parts - 1 ? left : random.nextLong(0, left + 1);
                sum = sum.add(rate.incrementalAmount(counted, part));
                counted += part;
                left -= part;
            }
            assertThat(sum).as("run %d: %s from %d, %d tokens in %d parts", run, rate, start, total, parts)
                    .isEqualByComparingTo(rate.incrementalAmount(start, total));
        }
    }

    @Test
    void amountsNeverDecreaseAsQuantityGrows() {
        Random random = new Random(42);
        for (int run = 0; run < 2_000; run++) {
            List<Tier> tiers = randomTiers(random);
            for (TierMode mode : TierMode.values()) {
                TieredRate rate = new TieredRate(mode, tiers);
                long q1 = random.nextLong(0, 30_000_000);
                long q2 = q1 + random.nextLong(0, 3_000_000);
                assertThat(rate.amountFor(q2)).as("run %d: %s, %d then %d tokens", run, rate, q1, q2)
                        .isGreaterThanOrEqualTo(rate.amountFor(q1));
            }
        }
    }

    @Test
    void lineRatingWithoutOffPeakEqualsTheTierAmountForAnyBucketing() {
        Random random = new Random(7);
        var t0 = java.time.Instant.parse("2026-02-01T00:00:00Z");
        for (int run = 0; run < 500; run++) {
            TieredRate rate = new TieredRate(TierMode.GRADUATED, randomTiers(random));
            List<UsageBucket> buckets = new ArrayList<>();
            int hours = 1 + random.nextInt(48);
            for (int h = 0; h < hours; h++) {
                buckets.add(new UsageBucket(t0.plusSeconds(3600L * h), t0.plusSeconds(3600L * (h + 1)), random.nextLong(0, 900_000)));
            }
            long already = random.nextLong(0, 5_000_000);
            LineRater.RatedLine line = LineRater.rate(rate, null, already, buckets);
            assertThat(line.amount()).isEqualByComparingTo(rate.incrementalAmount(already, line.tokens()));
            assertThat(line.charges().stream().mapToLong(TierCharge::tokens).sum()).isEqualTo(line.tokens());
        }
    }

    static List<Tier> randomTiers(Random random) {
        List<Tier> tiers = new ArrayList<>();
        tiers.add(new Tier(0, randomRate(random)));
        long from = 0;
        for (int i = random.nextInt(4); i > 0; i--) {
            from += random.nextLong(1, 5_000_000);
            tiers.add(new Tier(from, randomRate(random)));
        }
        return tiers;
    }

    static BigDecimal randomRate(Random random) {
        return BigDecimal.valueOf(random.nextLong(0, 30_000_000), 6); // 0 to 30.000000 per 1M, 6 decimals
    }
}
