package io.tokenmeter.gateway.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * A token bucket per API key (Bucket4j), in this gateway's memory: with several gateway instances each
 * enforces the limit on its own, so a key may reach up to instances x limit in total.
 */
@Component
public class KeyRateLimiter {

    private final RateLimitProperties properties;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(1_000_000)
            .expireAfterAccess(Duration.ofMinutes(10))
            .build();

    KeyRateLimiter(RateLimitProperties properties) {
        this.properties = properties;
    }

    /** Empty when the call may go ahead; otherwise the seconds to wait before the next one can. */
    public OptionalLong tryAcquire(String keyId, Integer ownLimitPerMinute) {
        int limit = ownLimitPerMinute != null ? ownLimitPerMinute : properties.requestsPerMinute();
        Bucket bucket = buckets.get(
                keyId + "@" + limit,
                k -> Bucket.builder()
                        .addLimit(Bandwidth.builder()
                                .capacity(limit)
                                .refillGreedy(limit, Duration.ofMinutes(1))
                                .build())
                        .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (probe.isConsumed()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L));
    }
}
