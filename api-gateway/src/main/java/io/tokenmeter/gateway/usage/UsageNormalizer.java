package io.tokenmeter.gateway.usage;

import tools.jackson.databind.JsonNode;

/**
 * Maps an upstream's {@code usage} object to the canonical, disjoint token classes of {@link TokenUsage}.
 * The shape is recognised by its fields, since one provider may answer in another's format:
 * <table>
 *   <caption>Mapping</caption>
 *   <tr><th>shape</th><th>input
 * (uncached)</th><th>cached_input</th><th>cache_write</th><th>output</th><th>reasoning</th></tr>
 *   <tr><td>OpenAI</td><td>prompt_tokens -
 * prompt_tokens_details.cached_tokens</td><td>prompt_tokens_details.cached_tokens</td>
 *       <td>0</td><td>completion_tokens</td><td>completion_tokens_details.reasoning_tokens</td></tr>
 *   <tr><td>DeepSeek</td><td>prompt_cache_miss_tokens</td><td>prompt_cache_hit_tokens</td><td>0</td>
 *       <td>completion_tokens</td><td>completion_tokens_details.reasoning_tokens</td></tr>
 *   <tr><td>Anthropic Messages</td><td>input_tokens (excludes both cache fields)</td><td>cache_read_input_tokens</td>
 *       <td>cache_creation_input_tokens</td><td>output_tokens</td><td>0 (not reported separately)</td></tr>
 * </table>
 * Counting DeepSeek's or Anthropic's cache fields as part of, or in addition to, the prompt is the classic
 * mistake: it bills cached tokens twice or at the uncached rate.
 */
public final class UsageNormalizer {

    private UsageNormalizer() {}

    public static TokenUsage normalize(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return TokenUsage.NONE;
        }
        if (usage.has("input_tokens") && usage.has("output_tokens") && !usage.has("prompt_tokens")) {
            return fromAnthropic(usage);
        }
        return fromOpenAi(usage);
    }

    /** OpenAI's shape, DeepSeek's extension of it included. */
    public static TokenUsage fromOpenAi(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return TokenUsage.NONE;
        }
        long prompt = count(usage.get("prompt_tokens"));
        long cached;
        long uncached;
        if (usage.has("prompt_cache_hit_tokens") || usage.has("prompt_cache_miss_tokens")) {
            cached = count(usage.get("prompt_cache_hit_tokens"));
            uncached = usage.has("prompt_cache_miss_tokens")
                    ? count(usage.get("prompt_cache_miss_tokens"))
                    : Math.max(0, prompt - cached);
        } else {
            cached = Math.min(prompt, count(usage.path("prompt_tokens_details").get("cached_tokens")));
            uncached = prompt - cached;
        }
        long completion = count(usage.get("completion_tokens"));
        long reasoning = Math.min(
                completion, count(usage.path("completion_tokens_details").get("reasoning_tokens")));
        return new TokenUsage(uncached, cached, 0, completion, reasoning);
    }

    public static TokenUsage fromAnthropic(JsonNode usage) {
        return new TokenUsage(
                count(usage.get("input_tokens")),
                count(usage.get("cache_read_input_tokens")),
                count(usage.get("cache_creation_input_tokens")),
                count(usage.get("output_tokens")),
                0);
    }

    private static long count(JsonNode node) {
        return node != null && node.canConvertToLong() ? Math.max(0, node.asLong()) : 0;
    }
}
