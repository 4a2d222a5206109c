package io.tokenmeter.pricing.rating;

import io.tokenmeter.contracts.rating.TierCharge;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the tier math over generated tier schedules and quantities (jqwik shrinks a failure to a
 * smallest schedule and quantity). The hand-computed cases are in {@link TieredRateTest}.
 */
class TierPropertiesTest {

    @Property
    void graduatedPricingOfAQuantityEqualsTheSumOverAnySplitOfIt(
            @ForAll("graduated") TieredRate rate,
            @ForAll @LongRange(max = 20_000_000) long alreadyCounted,
            @ForAll @Size(min = 1, max = 8) List<@LongRange(max = 5_000_000) Long> parts) {
        long total = parts.stream().mapToLong(Long::longValue).sum();
        BigDecimal sum = BigDecimal.ZERO;
        long counted = alreadyCounted;
        for (long part : parts) {
            sum = sum.add(rate.incrementalAmount(counted, part));
            counted += part;
        }
        assertThat(sum).isEqualByComparingTo(rate.incrementalAmount(alreadyCounted, total));
    }

    @Property
    void amountsNeverDecreaseAsQuantityGrows(
            @ForAll("anyMode") TieredRate rate,
            @ForAll @LongRange(max = 30_000_000) long quantity,
            @ForAll @LongRange(max = 3_000_000) long more) {
        assertThat(rate.amountFor(quantity + more)).isGreaterThanOrEqualTo(rate.amountFor(quantity));
    }

    @Property
    void lineRatingWithoutOffPeakEqualsTheTierAmountForAnyBucketing(
            @ForAll("graduated") TieredRate rate,
            @ForAll @LongRange(max = 5_000_000) long alreadyCounted,
            @ForAll @Size(min = 1, max = 48) List<@LongRange(max = 900_000) Long> hourly) {
        Instant t0 = Instant.parse("2026-02-01T00:00:00Z");
        List<UsageBucket> buckets = new ArrayList<>();
        for (int h = 0; h < hourly.size(); h++) {
            buckets.add(new UsageBucket(t0.plusSeconds(3600L * h), t0.plusSeconds(3600L * (h + 1)), hourly.get(h)));
        }
        LineRater.RatedLine line = LineRater.rate(rate, null, alreadyCounted, buckets);
        assertThat(line.amount()).isEqualByComparingTo(rate.incrementalAmount(alreadyCounted, line.tokens()));
        assertThat(line.charges().stream().mapToLong(TierCharge::tokens).sum()).isEqualTo(line.tokens());
    }

    @Provide
    Arbitrary<TieredRate> graduated() {
        return tiers().map(tiers -> new TieredRate(TierMode.GRADUATED, tiers));
    }

    @Provide
    Arbitrary<TieredRate> anyMode() {
        return Combinators.combine(Arbitraries.of(TierMode.class), tiers()).as(TieredRate::new);
    }

    /**
     * One to four tiers from 0, each starting 1 to 5,000,000 tokens after the last, rates 0 to 30 per 1M, 6 decimals.
     */
    private static Arbitrary<List<Tier>> tiers() {
        Arbitrary<BigDecimal> rates =
                Arbitraries.longs().between(0, 30_000_000).map(micros -> BigDecimal.valueOf(micros, 6));
        Arbitrary<Long> gaps = Arbitraries.longs().between(1, 5_000_000);
        return Combinators.combine(rates.list().ofSize(4), gaps.list().ofMaxSize(3))
                .as((rateList, gapList) -> {
                    List<Tier> tiers = new ArrayList<>(List.of(new Tier(0, rateList.getFirst())));
                    long from = 0;
                    for (int i = 0; i < gapList.size(); i++) {
                        from += gapList.get(i);
                        tiers.add(new Tier(from, rateList.get(i + 1)));
                    }
                    return tiers;
                });
    }
}
