package io.tokenmeter.billing.spend;

import io.tokenmeter.billing.calls.ServiceCalls;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.usage.BillableUsage;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Spend per hour or day: the period's usage lines cut into one line per period (their half-hour buckets, already cut
 * at price edges, nest in hours and days), priced in time order so that graduated tiers fill as the tokens came, and
 * each priced part summed back to its period. Amounts are exact, in the quote's currency; rounding happens once, on
 * the invoice's lines.
 */
final class SpendSeries {

    /** The most lines pricing takes in one quote (its {@code QuoteService.MAX_LINES}). */
    static final int LINES_PER_QUOTE = 1_000;

    /** Prices some lines, tiers continuing after {@code alreadyCounted} tokens per "model/class" (empty: none). */
    interface Pricer {
        List<PricedLine> price(List<BillableUsage.Line> lines, Map<String, Long> alreadyCounted);
    }

    record Line(String model, String region, String tokenClass, long tokens, BigDecimal amount) {}

    record Period(Instant from, Instant to, BigDecimal total, List<Line> lines) {}

    record Priced(List<Period> periods, BigDecimal total, List<String> unpriced) {}

    private SpendSeries() {}

    /** The lines cut at each {@code unit} (hour or day, UTC), ordered by period, then as given. */
    static List<BillableUsage.Line> byPeriod(List<BillableUsage.Line> usage, ChronoUnit unit) {
        TreeMap<Instant, List<BillableUsage.Line>> periods = new TreeMap<>();
        for (BillableUsage.Line line : usage) {
            Map<Instant, List<BillableUsage.Bucket>> cut = new LinkedHashMap<>();
            for (BillableUsage.Bucket bucket : line.buckets()) {
                if (bucket.tokens() > 0) {
                    cut.computeIfAbsent(bucket.from().truncatedTo(unit), k -> new ArrayList<>())
                            .add(bucket);
                }
            }
            cut.forEach((start, buckets) -> periods.computeIfAbsent(start, k -> new ArrayList<>())
                    .add(new BillableUsage.Line(
                            line.model(),
                            line.region(),
                            line.tokenClass(),
                            buckets.stream()
                                    .mapToLong(BillableUsage.Bucket::tokens)
                                    .sum(),
                            buckets)));
        }
        return periods.values().stream().flatMap(List::stream).toList();
    }

    /**
     * Prices the period lines in quotes of at most {@link #LINES_PER_QUOTE}, each continuing the tiers of the ones
     * before, and sums each line's priced parts (pricing splits a line where its price changes; the parts' tokens add
     * up to the line's) into its period of {@code unit}.
     */
    static Priced price(List<BillableUsage.Line> periodLines, ChronoUnit unit, Pricer pricer) {
        Map<String, Long> counted = new HashMap<>();
        Map<Instant, Map<List<String>, Line>> periods = new TreeMap<>();
        Set<String> unpriced = new LinkedHashSet<>();
        for (int start = 0; start < periodLines.size(); start += LINES_PER_QUOTE) {
            List<BillableUsage.Line> chunk =
                    periodLines.subList(start, Math.min(periodLines.size(), start + LINES_PER_QUOTE));
            Iterator<PricedLine> parts =
                    pricer.price(chunk, Map.copyOf(counted)).iterator();
            for (BillableUsage.Line line : chunk) {
                BigDecimal amount = BigDecimal.ZERO;
                for (long tokens = 0; tokens < line.tokens(); ) {
                    if (!parts.hasNext()) {
                        throw new IllegalStateException("pricing answered fewer tokens than asked for " + line.model()
                                + " in " + line.region() + ", " + line.tokenClass());
                    }
                    PricedLine part = parts.next();
                    tokens += part.tokens();
                    ServiceCalls.QuotedLine quoted = ServiceCalls.QuotedLine.of(part);
                    if (quoted.unpriced() != null) {
                        unpriced.add(quoted.unpriced());
                    } else {
                        amount = amount.add(exact(part));
                    }
                }
                counted.merge(line.model() + "/" + line.tokenClass(), line.tokens(), Long::sum);
                Instant period = line.buckets().getFirst().from().truncatedTo(unit);
                BigDecimal sum = amount;
                periods.computeIfAbsent(period, k -> new LinkedHashMap<>())
                        .merge(
                                List.of(line.model(), line.region(), line.tokenClass()),
                                new Line(line.model(), line.region(), line.tokenClass(), line.tokens(), sum),
                                (a, b) -> new Line(
                                        a.model(),
                                        a.region(),
                                        a.tokenClass(),
                                        a.tokens() + b.tokens(),
                                        a.amount().add(b.amount())));
            }
        }
        List<Period> out = new ArrayList<>();
        BigDecimal total = BigDecimal.ZERO;
        for (Map.Entry<Instant, Map<List<String>, Line>> p : periods.entrySet()) {
            List<Line> lines = List.copyOf(p.getValue().values());
            BigDecimal periodTotal = lines.stream().map(Line::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
            out.add(new Period(p.getKey(), p.getKey().plus(1, unit), periodTotal, lines));
            total = total.add(periodTotal);
        }
        return new Priced(out, total, List.copyOf(unpriced));
    }

    /** A part's exact amount in the asked currency: the book's exact amount, times the FX rate where converted. */
    static BigDecimal exact(PricedLine part) {
        return part.converted() == null
                ? part.amountExact()
                : part.amountExact().multiply(part.converted().rate());
    }
}
