package io.tokenmeter.pricing.rating;

import java.time.Instant;

/** Tokens used in [from, to); buckets of one line are rated in time order. */
public record UsageBucket(Instant from, Instant to, long tokens) {

    public UsageBucket {
        if (from == null || to == null || !to.isAfter(from)) {
            throw new IllegalArgumentException("a usage bucket needs from < to");
        }
        if (tokens < 0) {
            throw new IllegalArgumentException("a usage bucket cannot have negative tokens");
        }
    }
}
