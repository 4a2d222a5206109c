package io.tokenmeter.gateway.usage;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** One case per provider shape, with the numbers as the providers document them. */
class UsageNormalizerTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static TokenUsage of(String usage) {
        return UsageNormalizer.normalize(JSON.readTree(usage));
    }

    @Test
    void openAiCachedTokensArePartOfThePrompt() {
        assertThat(of("""
                {"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,
                 "prompt_tokens_details":{"cached_tokens":1920},"completion_tokens_details":{"reasoning_tokens":128}}""")).isEqualTo(new TokenUsage(86, 1920, 0, 300, 128));
    }

    @Test
    void deepSeekSplitsThePromptIntoCacheHitsAndMisses() {
        assertThat(of("""
                {"prompt_tokens":1500,"completion_tokens":200,"total_tokens":1700,
                 "prompt_cache_hit_tokens":1024,"prompt_cache_miss_tokens":476,
                 "completion_tokens_details":{"reasoning_tokens":150}}""")).isEqualTo(new TokenUsage(476, 1024, 0, 200, 150));
    }

    @Test
    void anthropicInputExcludesCacheReadsAndWrites() {
        assertThat(of("""
                {"input_tokens":50,"cache_creation_input_tokens":2048,"cache_read_input_tokens":10000,"output_tokens":503}""")).isEqualTo(new TokenUsage(50, 10000, 2048, 503, 0));
    }

    @Test
    void missingOrOddFieldsCountAsNothingNotAsErrors() {
        assertThat(of("{\"prompt_tokens\":10}")).isEqualTo(new TokenUsage(10, 0, 0, 0, 0));
        assertThat(of("{\"prompt_tokens\":10,\"prompt_tokens_details\":{\"cached_tokens\":50}}"))
                .isEqualTo(new TokenUsage(0, 10, 0, 0, 0));
        assertThat(UsageNormalizer.normalize(null)).isEqualTo(TokenUsage.NONE);
        assertThat(of("{\"prompt_tokens\":-5,\"completion_tokens\":\"x\"}")).isEqualTo(TokenUsage.NONE);
    }
}
