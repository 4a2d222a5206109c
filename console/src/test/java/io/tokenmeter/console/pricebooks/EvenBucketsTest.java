package io.tokenmeter.console.pricebooks;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EvenBucketsTest {

    private final Instant from = Instant.parse("2026-12-05T16:00:00Z");
    private final Instant to = Instant.parse("2026-12-05T17:00:00Z");

    @Test
    void anHourIsCutAtItsEdgesAndItsTokensSharedByLength() {
        List<Map<String, Object>> buckets = EvenBuckets.of(
                from,
                to,
                List.of(Instant.parse("2026-12-05T16:30:00Z"), Instant.parse("2026-12-05T18:00:00Z")),
                1_000_001);

        assertThat(buckets)
                .containsExactly(
                        Map.of("from", "2026-12-05T16:00:00Z", "to", "2026-12-05T16:30:00Z", "tokens", 500_000L),
                        Map.of("from", "2026-12-05T16:30:00Z", "to", "2026-12-05T17:00:00Z", "tokens", 500_001L));
    }

    @Test
    void anHourWithoutEdgesIsOneBucketAndAnEdgeAtItsStartCutsNothing() {
        assertThat(EvenBuckets.of(from, to, List.of(from), 7))
                .containsExactly(Map.of("from", from.toString(), "to", to.toString(), "tokens", 7L));
    }
}
