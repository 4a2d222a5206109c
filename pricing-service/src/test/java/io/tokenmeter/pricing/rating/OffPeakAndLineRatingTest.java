package io.tokenmeter.pricing.rating;

import io.tokenmeter.contracts.rating.TierCharge;
import org.assertj.core.api.recursive.comparison.RecursiveComparisonConfiguration;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OffPeakAndLineRatingTest {

    // DeepSeek-style window: 16:30 to 00:30 UTC, half price
    static final OffPeakSchedule NIGHT =
            OffPeakSchedule.daily(LocalTime.of(16, 30), LocalTime.of(0, 30), new BigDecimal("50"));

    @Test
    void aWindowCrossingMidnightContainsBothSides() {
        assertThat(NIGHT.contains(Instant.parse("2026-02-10T16:30:00Z"))).isTrue();
        assertThat(NIGHT.contains(Instant.parse("2026-02-10T16:29:59.999Z"))).isFalse();
        assertThat(NIGHT.contains(Instant.parse("2026-02-10T23:59:59Z"))).isTrue();
        assertThat(NIGHT.contains(Instant.parse("2026-02-11T00:00:00Z"))).isTrue();
        assertThat(NIGHT.contains(Instant.parse("2026-02-11T00:29:59Z"))).isTrue();
        assertThat(NIGHT.contains(Instant.parse("2026-02-11T00:30:00Z"))).isFalse();
        assertThat(NIGHT.contains(Instant.parse("2026-02-11T12:00:00Z"))).isFalse();
    }

    @Test
    void aWindowWithinOneDay() {
        OffPeakSchedule early = OffPeakSchedule.daily(LocalTime.of(1, 0), LocalTime.of(5, 0), new BigDecimal("75"));
        assertThat(early.contains(Instant.parse("2026-02-10T00:59:59Z"))).isFalse();
        assertThat(early.contains(Instant.parse("2026-02-10T01:00:00Z"))).isTrue();
        assertThat(early.contains(Instant.parse("2026-02-10T05:00:00Z"))).isFalse();
        assertThat(early.factor()).isEqualByComparingTo("0.25");
        assertThatThrownBy(() -> OffPeakSchedule.daily(LocalTime.NOON, LocalTime.NOON, BigDecimal.TEN))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> OffPeakSchedule.daily(LocalTime.NOON, LocalTime.MIDNIGHT, new BigDecimal("101")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void offPeakBucketsArePricedAtTheDiscountedRateOfTheirTier() {
        // 1.00 per 1M up to 1M tokens, 0.80 after; three hours of usage in time order
        TieredRate rate = new TieredRate(
                TierMode.GRADUATED,
                List.of(new Tier(0, new BigDecimal("1.00")), new Tier(1_000_000, new BigDecimal("0.80"))));
        List<UsageBucket> buckets = List.of(
                bucket("2026-02-10T17:00:00Z", 600_000), // off-peak, tier 1: 0.60 x 0.5 = 0.30
                bucket("2026-02-10T12:00:00Z", 300_000), // peak (earlier, so rated first), tier 1: 0.30
                bucket("2026-02-11T00:00:00Z", 500_000)); // off-peak: 100k in tier 1 (0.05), 400k in tier 2 (0.16)
        LineRater.RatedLine line = LineRater.rate(rate, NIGHT, 0, buckets);

        assertThat(line.tokens()).isEqualTo(1_400_000);
        assertThat(line.amount()).isEqualByComparingTo("0.81"); // 0.30 + 0.30 + 0.05 + 0.16
        assertThat(line.charges())
                .usingRecursiveFieldByFieldElementComparator(RecursiveComparisonConfiguration.builder()
                        .withComparatorForType(BigDecimal::compareTo, BigDecimal.class)
                        .build())
                .containsExactly(
                        new TierCharge(1, 300_000, new BigDecimal("1.00"), false, new BigDecimal("0.3")),
                        new TierCharge(1, 700_000, new BigDecimal("0.500"), true, new BigDecimal("0.35")),
                        new TierCharge(2, 400_000, new BigDecimal("0.400"), true, new BigDecimal("0.16")));
    }

    @Test
    void anOffPeakShareFillsTheTiersAfterThePeakTokens() {
        TieredRate rate = new TieredRate(
                TierMode.GRADUATED,
                List.of(new Tier(0, new BigDecimal("1.00")), new Tier(1_000_000, new BigDecimal("0.80"))));
        // 900k peak at 1.00 = 0.90; then 500k off-peak: 100k at 0.50 = 0.05, 400k at 0.40 = 0.16
        assertThat(LineRater.rateShare(rate, NIGHT, 0, 1_400_000, 500_000).amount())
                .isEqualByComparingTo("1.11");
        // without a window the share is priced as peak: 1.00 + 0.32
        assertThat(LineRater.rateShare(rate, null, 0, 1_400_000, 500_000).amount())
                .isEqualByComparingTo("1.32");
        assertThatThrownBy(() -> LineRater.rateShare(rate, NIGHT, 0, 10, 11))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aBucketAcrossAWindowEdgeIsRefused() {
        UsageBucket across =
                new UsageBucket(Instant.parse("2026-02-10T16:00:00Z"), Instant.parse("2026-02-10T17:00:00Z"), 10);
        assertThatThrownBy(() -> LineRater.rate(TieredRate.flat(BigDecimal.ONE), NIGHT, 0, List.of(across)))
                .hasMessageContaining("crosses an edge of the off-peak schedule (16:30-00:30 every day, Z)");
    }

    private static UsageBucket bucket(String from, long tokens) {
        Instant start = Instant.parse(from);
        return new UsageBucket(start, start.plusSeconds(1800), tokens);
    }
}
