package io.tokenmeter.gateway.usage;

/**
 * Canonical, disjoint token classes of one call. {@code input} excludes cached input; {@code reasoning} is
 * part of {@code output}.
 */
public record TokenUsage(long input, long cachedInput, long cacheWrite, long output, long reasoning) {

    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0, 0);

    public boolean consumedTokens() {
        return input + cachedInput + cacheWrite + output > 0;
    }
}
