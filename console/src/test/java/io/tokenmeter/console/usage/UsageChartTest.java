package io.tokenmeter.console.usage;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UsageChartTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final Instant from = Instant.parse("2026-12-05T00:00:00Z");
    private final Instant to = Instant.parse("2026-12-05T04:00:00Z");

    private final String report = """
            {"data":[
             {"period_start":"2026-12-05T01:00:00Z","model":"glm-5","input_tokens":10,"cached_input_tokens":5,
              "cache_write_tokens":0,"output_tokens":20,"reasoning_tokens":4},
             {"period_start":"2026-12-05T03:00:00Z","model":"glm-5","input_tokens":1,"cached_input_tokens":0,
              "cache_write_tokens":0,"output_tokens":2,"reasoning_tokens":0},
             {"period_start":"2026-12-05T03:00:00Z","model":"kimi-k2","input_tokens":7,"cached_input_tokens":0,
              "cache_write_tokens":0,"output_tokens":3,"reasoning_tokens":0}]}""";

    @Test
    void everyHourHasItsPlaceAndEachModelItsSeriesOfTokens() {
        UsageChart chart = UsageChart.of(json.readTree(report), "model", from, to, Duration.ofHours(1));

        assertThat(chart.periods()).hasSize(4).first().isEqualTo("2026-12-05T00:00:00Z");
        assertThat(chart.series())
                .containsExactly(
                        new UsageChart.Series("glm-5", List.of(0L, 35L, 0L, 3L)),
                        new UsageChart.Series("kimi-k2", List.of(0L, 0L, 0L, 10L)));
        assertThat(chart.empty()).isFalse();
    }

    @Test
    void byTokenClassReasoningIsNotCountedTwice() {
        UsageChart chart = UsageChart.of(json.readTree(report), "token_class", from, to, Duration.ofHours(1));

        assertThat(chart.series().stream().map(UsageChart.Series::name))
                .containsExactly("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens");
        assertThat(chart.series().stream().mapToLong(UsageChart.Series::total).sum())
                .isEqualTo(35 + 3 + 10);
    }

    @Test
    void noRowsIsAnEmptyChart() {
        assertThat(UsageChart.of(json.readTree("{\"data\":[]}"), "model", from, to, Duration.ofHours(1))
                        .empty())
                .isTrue();
    }
}
