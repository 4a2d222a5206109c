package io.tokenmeter.gateway.usage;

import tools.jackson.databind.JsonNode;

/**
 * Maps an upstream's {@code usage} object to {@link TokenUsage}. OpenAI's shape: {@code prompt_tokens}
 * includes {@code prompt_tokens_details.cached_tokens}, so uncached input is the difference;
 * {@code completion_tokens} includes {@code completion_tokens_details.reasoning_tokens}.
 */
public final class UsageNormalizer {

    private UsageNormalizer() {
    }

    public static TokenUsage fromOpenAi(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return TokenUsage.NONE;
        }
        long prompt = count(usage.get("prompt_tokens"));
        long cached = Math.min(prompt, count(usage.path("prompt_tokens_details").get("cached_tokens")));
        long completion = count(usage.get("completion_tokens"));
        long reasoning = Math.min(completion, count(usage.path("completion_tokens_details").get("reasoning_tokens")));
        return new TokenUsage(prompt - cached, cached, 0, completion, reasoning);
    }

    private static long count(JsonNode node) {
        return node != null && node.canConvertToLong() ? Math.max(0, node.asLong()) : 0;
    }
}
