package io.tokenmeter.pricing.bench;

import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.rating.FxRate;
import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.pricing.fx.FxConversion;
import io.tokenmeter.pricing.fx.FxRateTable;
import io.tokenmeter.pricing.rating.LineRater;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Priced lines per second on one thread for a realistic book: 20 models x 4 regions x 4 token classes, each
 * graduated over 3 tiers; lines of random quantities that often cross tiers. {@code baselineArithmetic} is the
 * irreducible part (one BigDecimal multiply and divide per line) measured in the same run, for the ratio.
 * Run: {@code ./infra/bench-rating}.
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

    private final Map<Key, TieredRate> book = new HashMap<>();
    private final List<Line> lines = new ArrayList<>();
    private FxRateTable fx;
    private final Currency usd = Currency.getInstance("USD");
    private final Currency eur = Currency.getInstance("EUR");
    private final LocalDate periodEnd = LocalDate.parse("2026-02-28");
    private int next;

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
        for (int i = 0; i < 4096; i++) {
            long tokens = random.nextLong(1, 50_000_000);
            lines.add(new Line(
                    keys.get(random.nextInt(keys.size())),
                    random.nextLong(0, 1_200_000_000),
                    List.of(new UsageBucket(hour, hour.plusSeconds(3600), tokens)),
                    tokens));
        }
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
        LineRater.RatedLine rated = LineRater.rate(book.get(line.key()), null, line.alreadyCounted(), line.buckets());
        return MinorUnits.round(rated.amount(), usd);
    }

    @Benchmark
    public BigDecimal rateLineWithFx() {
        Line line = nextLine();
        LineRater.RatedLine rated = LineRater.rate(book.get(line.key()), null, line.alreadyCounted(), line.buckets());
        FxConversion conversion = fx.conversion("USD", "EUR", periodEnd); // looked up per line, as the worst case
        return MinorUnits.round(rated.amount().multiply(conversion.rate()), eur);
    }

    @Benchmark
    public BigDecimal baselineArithmetic() {
        Line line = nextLine();
        return book.get(line.key())
                .tiers()
                .getFirst()
                .ratePerMillion()
                .multiply(BigDecimal.valueOf(line.tokens()))
                .divide(BigDecimal.valueOf(1_000_000));
    }
}
