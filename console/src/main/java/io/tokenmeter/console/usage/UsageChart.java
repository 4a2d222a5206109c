package io.tokenmeter.console.usage;

import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Usage over time as a chart's series: one label per period, one series per model, region or token class, in
 * tokens (from the usage API) or in money of the tenant's currency (from the spend series, exact). Chart.js draws
 * it; the same numbers are the table under the chart.
 *
 * @param unit "tokens", or the currency's code
 */
public record UsageChart(List<String> periods, List<Series> series, String unit) {

    public record Series(String name, List<BigDecimal> values) {
        public BigDecimal total() {
            return values.stream().reduce(BigDecimal.ZERO, BigDecimal::add);
        }
    }

    static final String TOKENS = "tokens";

    static final List<String> TOKEN_CLASSES =
            List.of("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens");

    /**
     * From the usage API's rows. {@code by}: model, region or token_class. Every period from {@code from} to
     * {@code to} gets its place, an hour without calls as zero, so the time axis is even.
     */
    static UsageChart of(JsonNode report, String by, Instant from, Instant to, Duration step) {
        Builder chart = new Builder(from, to, step, report.path("data"), "period_start");
        for (JsonNode row : report.path("data")) {
            Instant at = Instant.parse(row.path("period_start").asString());
            if (by.equals("token_class")) {
                for (String tokenClass : TOKEN_CLASSES) {
                    chart.add(
                            tokenClass,
                            at,
                            BigDecimal.valueOf(row.path(tokenClass).asLong()));
                }
            } else {
                long total = 0;
                for (String tokenClass : TOKEN_CLASSES) {
                    total += row.path(tokenClass).asLong();
                }
                chart.add(row.path(by).asString("all"), at, BigDecimal.valueOf(total));
            }
        }
        return chart.build(TOKENS);
    }

    /** From the spend series ({@code GET /api/v1/spend/series}): each period's lines, in its currency. */
    static UsageChart ofSpend(JsonNode spend, String by, Instant from, Instant to, Duration step) {
        Builder chart = new Builder(from, to, step, spend.path("periods"), "from");
        for (JsonNode period : spend.path("periods")) {
            Instant at = Instant.parse(period.path("from").asString());
            for (JsonNode line : period.path("lines")) {
                chart.add(line.path(by).asString("all"), at, line.path("amount").decimalValue());
            }
        }
        return chart.build(spend.path("currency").asString());
    }

    public boolean empty() {
        return series.stream().allMatch(s -> s.total().signum() == 0);
    }

    public boolean money() {
        return !unit.equals(TOKENS);
    }

    /** Periods on an even axis (plus any the rows name off it), and the sums per series and period. */
    private static final class Builder {
        private final List<String> labels;
        private final Map<String, BigDecimal[]> series = new LinkedHashMap<>();

        Builder(Instant from, Instant to, Duration step, JsonNode rows, String startField) {
            TreeSet<String> periods = new TreeSet<>();
            for (Instant at = from; at.isBefore(to); at = at.plus(step)) {
                periods.add(at.toString());
            }
            for (JsonNode row : rows) {
                periods.add(Instant.parse(row.path(startField).asString()).toString());
            }
            this.labels = new ArrayList<>(periods);
        }

        void add(String name, Instant at, BigDecimal value) {
            BigDecimal[] values = series.computeIfAbsent(name, k -> {
                BigDecimal[] zeros = new BigDecimal[labels.size()];
                Arrays.fill(zeros, BigDecimal.ZERO);
                return zeros;
            });
            int i = labels.indexOf(at.toString());
            values[i] = values[i].add(value);
        }

        UsageChart build(String unit) {
            List<Series> out = new ArrayList<>();
            series.forEach((name, values) -> out.add(new Series(name, List.of(values))));
            return new UsageChart(labels, out, unit);
        }
    }
}
