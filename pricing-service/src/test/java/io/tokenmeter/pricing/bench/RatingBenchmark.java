package io.tokenmeter.pricing.bench;

import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.rating.FxRate;
import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.pricing.fx.FxConversion;
import io.tokenmeter.pricing.fx.FxRateTable;
import io.tokenmeter.pricing.rating.LineRater;
import io.tokenmeter.pricing.rating.OffPeakSchedule;
import io.tokenmeter.pricing.rating.Tier;
import io.tokenmeter.pricing.rating.TierMode;
import io.tokenmeter.pricing.rating.TieredRate;
import io.tokenmeter.pricing.rating.UsageBucket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Priced lines per second on one thread for a book of 20 models x 4 regions x 4 token classes, each graduated over 3
 * tiers, for two mixes of lines ({@code mix}): {@code simple}, one bucket a line at peak, crossing a tier on about 4 %
 * of lines; {@code realistic}, about half the lines crossing a tier, 1 to 48 half-hour buckets a line over a day, and
 * DeepSeek's off-peak window (16:30-00:30 UTC, half price) in force, so about a third of the buckets are off-peak. The
 * setup prints the mix it made. {@code baselineArithmetic} is the irreducible part of the same lines (one BigDecimal
 * multiply and divide per bucket), measured in the same run, for the ratio. Run: {@code ./infra/bench-rating}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RatingBenchmark {

    record Key(String model, String region, TokenClass tokenClass) {}

    record Line(Key key, long alreadyCounted, List<UsageBucket> buckets, long tokens) {}

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    private final Map<Key, TieredRate> book = new HashMap<>();
    private final List<Line> lines = new ArrayList<>();
    private FxRateTable fx;
    private final Currency usd = Currency.getInstance("USD");
    private final Currency eur = Currency.getInstance("EUR");
    private final LocalDate periodEnd = LocalDate.parse("2026-02-28");
    private int next;
    private OffPeakSchedule offPeak;

    @Param({"simple", "realistic"})
    public String mix;

    @Setup
    public void setUp() {
        Random random = new Random(1);
        String[] regions = {"cn-hangzhou", "cn-beijing", "sg", "eu-frankfurt"};
        List<Key> keys = new ArrayList<>();
        for (int m = 0; m < 20; m++) {
            for (String region : regions) {
                for (TokenClass c : TokenClass.values()) {
                    Key key = new Key("model-" + m, region, c);
                    BigDecimal base = BigDecimal.valueOf(10 + random.nextInt(5000), 3);
                    book.put(
                            key,
                            new TieredRate(
                                    TierMode.GRADUATED,
                                    List.of(
                                            new Tier(0, base),
                                            new Tier(100_000_000, base.multiply(new BigDecimal("0.9"))),
                                            new Tier(1_000_000_000, base.multiply(new BigDecimal("0.8"))))));
                    keys.add(key);
                }
            }
        }
        Instant hour = Instant.parse("2026-02-10T10:00:00Z");
        boolean realistic = mix.equals("realistic");
        offPeak = realistic
                ? OffPeakSchedule.daily(LocalTime.of(16, 30), LocalTime.of(0, 30), new BigDecimal("50"))
                : null;
        long[] boundaries = {100_000_000, 1_000_000_000};
        int crossing = 0;
        int buckets = 0;
        int offPeakBuckets = 0;
        for (int i = 0; i < 4096; i++) {
            long tokens = random.nextLong(1, 50_000_000);
            long alreadyCounted = random.nextLong(0, 1_200_000_000);
            List<UsageBucket> lineBuckets = new ArrayList<>();
            if (!realistic) {
                lineBuckets.add(new UsageBucket(hour, hour.plusSeconds(3600), tokens));
            } else {
                if (random.nextBoolean()) { // just below a tier boundary: this line crosses it
                    alreadyCounted = boundaries[random.nextInt(2)] - random.nextLong(1, tokens + 1);
                }
                int n = (int) Math.min(tokens, 1 + random.nextInt(48));
                Instant day = Instant.parse("2026-02-10T00:00:00Z");
                long left = tokens;
                for (int b = 0; b < n; b++) {
                    Instant from = day.plusSeconds(1800L * random.nextInt(48));
                    long share = b == n - 1 ? left : Math.max(1, left / (n - b));
                    left -= share;
                    lineBuckets.add(new UsageBucket(from, from.plusSeconds(1800), share));
                    offPeakBuckets += offPeak.contains(from) ? 1 : 0;
                }
            }
            buckets += lineBuckets.size();
            for (long boundary : boundaries) {
                crossing += alreadyCounted < boundary && alreadyCounted + tokens > boundary ? 1 : 0;
            }
            lines.add(new Line(keys.get(random.nextInt(keys.size())), alreadyCounted, lineBuckets, tokens));
        }
        System.err.printf(
                "mix %s: %d lines, %.0f %% crossing a tier, %.1f buckets a line, %.0f %% of buckets off-peak%n",
                mix,
                lines.size(),
                100.0 * crossing / lines.size(),
                (double) buckets / lines.size(),
                100.0 * offPeakBuckets / buckets);
        fx = new FxRateTable(List.of(
                new FxRate("EUR", "USD", new BigDecimal("1.0812"), LocalDate.parse("2026-02-27"), "ECB"),
                new FxRate("EUR", "CNY", new BigDecimal("7.8000"), LocalDate.parse("2026-02-27"), "ECB")));
    }

    private Line nextLine() {
        next = (next + 1) & 4095;
        return lines.get(next);
    }

    @Benchmark
    public BigDecimal rateLine() {
        Line line = nextLine();
        LineRater.RatedLine rated =
                LineRater.rate(book.get(line.key()), offPeak, line.alreadyCounted(), line.buckets());
        return MinorUnits.round(rated.amount(), usd);
    }

    @Benchmark
    public BigDecimal rateLineWithFx() {
        Line line = nextLine();
        LineRater.RatedLine rated =
                LineRater.rate(book.get(line.key()), offPeak, line.alreadyCounted(), line.buckets());
        FxConversion conversion = fx.conversion("USD", "EUR", periodEnd); // looked up per line, as the worst case
        return MinorUnits.round(rated.amount().multiply(conversion.rate()), eur);
    }

    @Benchmark
    public BigDecimal baselineArithmetic() {
        Line line = nextLine();
        BigDecimal rate = book.get(line.key()).tiers().getFirst().ratePerMillion();
        BigDecimal amount = BigDecimal.ZERO;
        for (UsageBucket bucket : line.buckets()) {
            amount = amount.add(
                    rate.multiply(BigDecimal.valueOf(bucket.tokens())).divide(MILLION));
        }
        return amount;
    }
}
