package io.tokenmeter.console.pricebooks;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** What a version changed against the one before it: rates added, removed or changed, by model, region and class. */
public record VersionChanges(int version, List<Change> changes, boolean offPeakChanged) {

    public record Change(String rate, String kind, String before, String after) {}

    static List<VersionChanges> of(JsonNode versions) {
        List<VersionChanges> out = new ArrayList<>();
        Map<String, String> previous = Map.of();
        JsonNode previousOffPeak = null;
        for (JsonNode version : versions) {
            Map<String, String> current = rates(version);
            List<Change> changes = new ArrayList<>();
            for (Map.Entry<String, String> e : current.entrySet()) {
                String was = previous.get(e.getKey());
                if (was == null) {
                    if (!previous.isEmpty()) {
                        changes.add(new Change(e.getKey(), "added", "", e.getValue()));
                    }
                } else if (!was.equals(e.getValue())) {
                    changes.add(new Change(e.getKey(), "changed", was, e.getValue()));
                }
            }
            for (Map.Entry<String, String> e : previous.entrySet()) {
                if (!current.containsKey(e.getKey())) {
                    changes.add(new Change(e.getKey(), "removed", e.getValue(), ""));
                }
            }
            JsonNode offPeak = version.path("off_peak");
            boolean offPeakChanged = previousOffPeak != null && !Objects.equals(previousOffPeak, offPeak);
            out.add(new VersionChanges(version.path("version").asInt(), changes, offPeakChanged));
            previous = current;
            previousOffPeak = offPeak;
        }
        return out.reversed(); // newest first
    }

    private static Map<String, String> rates(JsonNode version) {
        Map<String, String> rates = new LinkedHashMap<>();
        for (JsonNode r : version.path("rates")) {
            String key = r.path("model").asString() + " / " + r.path("region").asString() + " / "
                    + r.path("token_class").asString();
            String value;
            if (r.has("tiers")) {
                List<String> tiers = new ArrayList<>();
                for (JsonNode t : r.path("tiers")) {
                    tiers.add("from " + t.path("from_tokens").asString() + ": "
                            + t.path("rate_per_million")
                                    .decimalValue()
                                    .stripTrailingZeros()
                                    .toPlainString());
                }
                value = r.path("mode").asString() + " " + String.join(", ", tiers);
            } else {
                value = r.path("rate_per_million")
                        .decimalValue()
                        .stripTrailingZeros()
                        .toPlainString();
            }
            rates.put(key, value);
        }
        return rates;
    }
}
