package io.tokenmeter.gateway.ratelimit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param requestsPerMinute              a key's limit unless it has its own; calls may burst up to it, then refill
 * evenly
 * @param failedAuthenticationsPerMinute bad keys one client address may present before it is held off
 */
@ConfigurationProperties("tokenmeter.gateway.rate-limit")
public record RateLimitProperties(
        @DefaultValue("600") int requestsPerMinute,
        @DefaultValue("20") int failedAuthenticationsPerMinute) {}
