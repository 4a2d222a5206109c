package io.tokenmeter.pricing.fx;

import io.tokenmeter.contracts.rating.FxRate;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Published rates and the policy that picks one for a period: of the sources that published a pair on one day,
 * the first in {@link FxSourcePolicy}'s order; the latest rate published on or before the
 * period's last day (for the ECB, whose rates appear on business days, that is the last business day's), and
 * no older than {@link #MAX_AGE_DAYS} days, since a stale rate is as wrong as a missing one.
 * <p>
 * Lookup order for from/to: the direct rate, the inverse of the opposite rate, then a cross through the
 * pivot (EUR: the ECB publishes every rate against it). Inverses and crosses are computed with 34
 * significant digits ({@link MathContext#DECIMAL128}): full precision for money, rounded only at the end.
 */
public final class FxRateTable {

    public static final String PIVOT = "EUR";
    public static final int MAX_AGE_DAYS = 7;
    public static final MathContext PRECISION = MathContext.DECIMAL128;

    private final Map<String, NavigableMap<LocalDate, FxRate>> byPair = new HashMap<>();
    /** The table never changes, so neither does a conversion: rating converts many lines for one pair and date. */
    private final Map<ConversionKey, FxConversion> conversions = new ConcurrentHashMap<>();

    private record ConversionKey(String from, String to, LocalDate date) {}

    public FxRateTable(List<FxRate> rates) {
        this(rates, FxSourcePolicy.DEFAULT);
    }

    /** Where several sources published a pair on the same day, the policy's first source applies. */
    public FxRateTable(List<FxRate> rates, FxSourcePolicy sources) {
        for (FxRate r : rates) {
            byPair.computeIfAbsent(r.base() + "/" + r.quote(), k -> new TreeMap<>())
                    .merge(
                            r.asOf(),
                            r,
                            (current, candidate) -> sources.prefers(candidate, current) ? candidate : current);
        }
    }

    public FxConversion conversion(String from, String to, LocalDate periodEnd) {
        ConversionKey key = new ConversionKey(from, to, periodEnd);
        FxConversion known = conversions.get(key);
        if (known == null) {
            known = compute(from, to, periodEnd); // a missing rate throws and is not remembered
            conversions.put(key, known);
        }
        return known;
    }

    private FxConversion compute(String from, String to, LocalDate periodEnd) {
        if (from.equals(to)) {
            return new FxConversion(from, to, BigDecimal.ONE, List.of());
        }
        Optional<FxConversion> direct = direct(from, to, periodEnd);
        if (direct.isPresent()) {
            return direct.get();
        }
        if (!from.equals(PIVOT) && !to.equals(PIVOT)) {
            Optional<FxConversion> leg1 = direct(from, PIVOT, periodEnd);
            Optional<FxConversion> leg2 = direct(PIVOT, to, periodEnd);
            if (leg1.isPresent() && leg2.isPresent()) {
                List<FxRate> used = new ArrayList<>(leg1.get().ratesUsed());
                used.addAll(leg2.get().ratesUsed());
                return new FxConversion(
                        from, to, leg1.get().rate().multiply(leg2.get().rate(), PRECISION), used);
            }
        }
        throw new MissingFxRateException(
                from,
                to,
                periodEnd,
                "no direct, inverse or " + PIVOT + " cross rate within " + MAX_AGE_DAYS + " days before it");
    }

    private Optional<FxConversion> direct(String from, String to, LocalDate periodEnd) {
        Optional<FxRate> rate = latest(from + "/" + to, periodEnd);
        if (rate.isPresent()) {
            return Optional.of(new FxConversion(from, to, rate.get().rate(), List.of(rate.get())));
        }
        return latest(to + "/" + from, periodEnd)
                .map(r -> new FxConversion(from, to, BigDecimal.ONE.divide(r.rate(), PRECISION), List.of(r)));
    }

    private Optional<FxRate> latest(String pair, LocalDate periodEnd) {
        NavigableMap<LocalDate, FxRate> rates = byPair.get(pair);
        if (rates == null) {
            return Optional.empty();
        }
        var entry = rates.floorEntry(periodEnd);
        if (entry == null || ChronoUnit.DAYS.between(entry.getKey(), periodEnd) > MAX_AGE_DAYS) {
            return Optional.empty();
        }
        return Optional.of(entry.getValue());
    }
}
