package io.tokenmeter.billing.spend;

import io.tokenmeter.contracts.rating.RatingApi.Converted;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.contracts.usage.BillableUsage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How spend is cut into periods and summed back. The pricer here prices at a flat rate per token class; the series
 * against the real pricing service, next to the month's spend, is in e2e-tests (ConsoleIT, PlatformIT).
 */
class SpendSeriesTest {

    private static final Instant DAY = Instant.parse("2026-12-03T00:00:00Z");

    private static BillableUsage.Bucket bucket(int fromMinutes, int toMinutes, long tokens) {
        return new BillableUsage.Bucket(DAY.plusSeconds(fromMinutes * 60L), DAY.plusSeconds(toMinutes * 60L), tokens);
    }

    @Test
    void eachLineIsCutAtTheHoursItsBucketsFallInAndOrderedByHour() {
        List<BillableUsage.Line> usage = List.of(
                new BillableUsage.Line(
                        "glm-5",
                        "cn-beijing",
                        "output",
                        60,
                        List.of(bucket(0, 30, 10), bucket(30, 60, 20), bucket(60, 75, 0), bucket(120, 150, 30))),
                new BillableUsage.Line(
                        "kimi-k2", "cn-shanghai", "input", 5, List.of(bucket(60, 90, 5), bucket(990, 1000, 0))));

        List<BillableUsage.Line> cut = SpendSeries.byPeriod(usage, ChronoUnit.HOURS);

        assertThat(cut)
                .extracting(l -> l.model() + "@" + l.buckets().getFirst().from() + "=" + l.tokens())
                .containsExactly(
                        "glm-5@2026-12-03T00:00:00Z=30",
                        "kimi-k2@2026-12-03T01:00:00Z=5",
                        "glm-5@2026-12-03T02:00:00Z=30");
        assertThat(SpendSeries.byPeriod(usage, ChronoUnit.DAYS))
                .extracting(BillableUsage.Line::tokens)
                .containsExactly(60L, 5L);
    }

    @Test
    void aLineSplitAtAPriceChangeIsSummedBackToItsPeriodConvertedAndExact() {
        List<BillableUsage.Line> lines = SpendSeries.byPeriod(
                List.of(new BillableUsage.Line(
                        "glm-5", "cn-beijing", "output", 3, List.of(bucket(0, 30, 1), bucket(30, 60, 2)))),
                ChronoUnit.HOURS);
        // pricing split the hour's line in two parts at a new version; CNY to EUR at a rate with many digits
        BigDecimal rate = new BigDecimal("0.128205128205128205");
        SpendSeries.Priced priced = SpendSeries.price(
                lines,
                ChronoUnit.HOURS,
                (chunk, counted) -> List.of(
                        part("glm-5", "output", 1, "0.000018", rate), part("glm-5", "output", 2, "0.000040", rate)));

        assertThat(priced.periods()).hasSize(1);
        SpendSeries.Period hour = priced.periods().getFirst();
        assertThat(hour.from()).isEqualTo(DAY);
        assertThat(hour.to()).isEqualTo(DAY.plusSeconds(3600));
        BigDecimal expected = new BigDecimal("0.000058").multiply(rate);
        assertThat(hour.lines()).singleElement().satisfies(l -> {
            assertThat(l.tokens()).isEqualTo(3);
            assertThat(l.amount()).isEqualByComparingTo(expected);
        });
        assertThat(priced.total()).isEqualByComparingTo(expected);
        assertThat(priced.unpriced()).isEmpty();
    }

    @Test
    void moreLinesThanOneQuoteTakesAreQuotedInChunksWhoseTiersContinue() {
        List<BillableUsage.Line> usage = new ArrayList<>();
        int hours = 24 * 45; // 1,080 hourly lines of one model and class
        List<BillableUsage.Bucket> buckets = new ArrayList<>();
        for (int h = 0; h < hours; h++) {
            buckets.add(bucket(h * 60, h * 60 + 30, 10));
        }
        usage.add(new BillableUsage.Line("glm-5", "cn-beijing", "input", 10L * hours, buckets));
        List<Map<String, Long>> asked = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        SpendSeries.Priced priced =
                SpendSeries.price(SpendSeries.byPeriod(usage, ChronoUnit.HOURS), ChronoUnit.HOURS, (chunk, counted) -> {
                    asked.add(counted);
                    sizes.add(chunk.size());
                    return chunk.stream()
                            .map(l -> part(l.model(), l.tokenClass(), l.tokens(), "0.01", null))
                            .toList();
                });

        assertThat(sizes).containsExactly(SpendSeries.LINES_PER_QUOTE, hours - SpendSeries.LINES_PER_QUOTE);
        assertThat(asked.get(0)).isEmpty();
        assertThat(asked.get(1)).containsExactly(Map.entry("glm-5/input", 10L * SpendSeries.LINES_PER_QUOTE));
        assertThat(priced.periods()).hasSize(hours);
        assertThat(priced.total()).isEqualByComparingTo(new BigDecimal("0.01").multiply(BigDecimal.valueOf(hours)));
    }

    @Test
    void unpricedTokensAreNamedAndCountNothing() {
        List<BillableUsage.Line> lines = SpendSeries.byPeriod(
                List.of(new BillableUsage.Line("new-model", "eu-west", "input", 4, List.of(bucket(0, 30, 4)))),
                ChronoUnit.DAYS);
        SpendSeries.Priced priced = SpendSeries.price(
                lines,
                ChronoUnit.DAYS,
                (chunk, counted) -> List.of(new PricedLine(
                        "new-model",
                        "eu-west",
                        TokenClass.INPUT,
                        4,
                        false,
                        "no price book covers it",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null)));

        assertThat(priced.unpriced()).containsExactly("new-model in eu-west, input: no price book covers it");
        assertThat(priced.total()).isZero();
        assertThat(priced.periods().getFirst().lines().getFirst().tokens()).isEqualTo(4);
    }

    private static PricedLine part(String model, String tokenClass, long tokens, String exact, BigDecimal rate) {
        return new PricedLine(
                model,
                "cn-beijing",
                TokenClass.fromWire(tokenClass),
                tokens,
                true,
                null,
                "pb_1",
                1,
                null,
                "list",
                null,
                "CNY",
                new BigDecimal(exact),
                new BigDecimal(exact).setScale(2, java.math.RoundingMode.HALF_EVEN),
                List.of(),
                rate == null ? null : new Converted("EUR", null, rate, LocalDate.parse("2026-12-02"), List.of()));
    }
}
