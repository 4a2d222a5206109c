package io.tokenmeter.gateway.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * Failed authentications per client address (a token bucket each, Bucket4j): an address that has presented
 * {@code failed-authentications-per-minute} bad keys gets 429 for every request until its bucket refills, before any
 * key lookup, so guessing keys is slow and a flood of made-up keys costs no database round trips. Good keys from other
 * addresses are unaffected. Per gateway instance, like the key limits.
 */
@Component
public class FailedAuthenticationLimiter {

    private final RateLimitProperties properties;
    private final Cache<String, Bucket> buckets = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(Duration.ofMinutes(10))
            .build();

    FailedAuthenticationLimiter(RateLimitProperties properties) {
        this.properties = properties;
    }

    /** Empty when the address may try; otherwise the seconds until it may again. */
    public OptionalLong blocked(String address) {
        Bucket bucket = buckets.getIfPresent(address);
        if (bucket == null || bucket.getAvailableTokens() > 0) {
            return OptionalLong.empty();
        }
        long nanos = bucket.estimateAbilityToConsume(1).getNanosToWaitForRefill();
        return OptionalLong.of(Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L));
    }

    public void failed(String address) {
        int limit = properties.failedAuthenticationsPerMinute();
        buckets.get(
                        address,
                        a -> Bucket.builder()
                                .addLimit(Bandwidth.builder()
                                        .capacity(limit)
                                        .refillGreedy(limit, Duration.ofMinutes(1))
                                        .build())
                                .build())
                .tryConsume(1);
    }
}
