package io.tokenmeter.console.usage;

import tools.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The usage API's rows as a chart's series: one label per period, one series per model, region or token class,
 * in tokens. Chart.js draws it; the same numbers are the table under the chart.
 */
public record UsageChart(List<String> periods, List<Series> series) {

    public record Series(String name, List<Long> tokens) {
        public long total() {
            return tokens.stream().mapToLong(Long::longValue).sum();
        }
    }

    static final List<String> TOKEN_CLASSES =
            List.of("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens");

    /**
     * {@code by}: model, region or token_class. Every period from {@code from} to {@code to} gets its place, an hour
     * without calls as zero, so the time axis is even.
     */
    static UsageChart of(JsonNode report, String by, Instant from, Instant to, Duration step) {
        TreeSet<String> periods = new TreeSet<>();
        for (Instant at = from; at.isBefore(to); at = at.plus(step)) {
            periods.add(at.toString());
        }
        for (JsonNode row : report.path("data")) {
            periods.add(Instant.parse(row.path("period_start").asString()).toString());
        }
        List<String> labels = new ArrayList<>(periods);
        Map<String, long[]> series = new LinkedHashMap<>();
        for (JsonNode row : report.path("data")) {
            int at = labels.indexOf(
                    Instant.parse(row.path("period_start").asString()).toString());
            if (by.equals("token_class")) {
                for (String tokenClass : TOKEN_CLASSES) {
                    series.computeIfAbsent(tokenClass, k -> new long[labels.size()])[at] +=
                            row.path(tokenClass).asLong();
                }
            } else {
                long total = 0;
                for (String tokenClass : TOKEN_CLASSES) {
                    total += row.path(tokenClass).asLong();
                }
                series.computeIfAbsent(row.path(by).asString("all"), k -> new long[labels.size()])[at] += total;
            }
        }
        List<Series> out = new ArrayList<>();
        series.forEach((name, values) ->
                out.add(new Series(name, java.util.Arrays.stream(values).boxed().toList())));
        return new UsageChart(labels, out);
    }

    public boolean empty() {
        return series.stream().allMatch(s -> s.total() == 0);
    }
}
