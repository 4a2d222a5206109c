package io.tokenmeter.console.pricebooks;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * An hour of tokens as the quote API takes it: cut at every price edge inside the hour (a new version, a contract,
 * an off-peak start or end; the API refuses a bucket across one), the tokens shared over the pieces by their length,
 * as if used evenly, in whole tokens that add up to the total (the remainder goes to the last piece).
 */
final class EvenBuckets {

    private EvenBuckets() {}

    static List<Map<String, Object>> of(Instant from, Instant to, List<Instant> edges, long tokens) {
        TreeSet<Instant> cuts = new TreeSet<>();
        cuts.add(from);
        cuts.add(to);
        edges.stream().filter(e -> e.isAfter(from) && e.isBefore(to)).forEach(cuts::add);
        List<Instant> points = new ArrayList<>(cuts);
        long whole = Duration.between(from, to).toMillis();
        List<Map<String, Object>> buckets = new ArrayList<>();
        long given = 0;
        for (int i = 0; i + 1 < points.size(); i++) {
            boolean last = i + 2 == points.size();
            long share = last
                    ? tokens - given
                    : Math.multiplyExact(
                                    tokens,
                                    Duration.between(points.get(i), points.get(i + 1))
                                            .toMillis())
                            / whole;
            given += share;
            buckets.add(Map.of(
                    "from", points.get(i).toString(), "to", points.get(i + 1).toString(), "tokens", share));
        }
        return buckets;
    }
}
