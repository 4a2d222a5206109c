package io.tokenmeter.console.usage;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class UsageChartTest {

    /** As the console's platform client reads answers: decimals as decimals. */
    private final JsonMapper json = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

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
                        new UsageChart.Series("glm-5", decimals(0, 35, 0, 3)),
                        new UsageChart.Series("kimi-k2", decimals(0, 0, 0, 10)));
        assertThat(chart.empty()).isFalse();
        assertThat(chart.money()).isFalse();
    }

    @Test
    void byTokenClassReasoningIsNotCountedTwice() {
        UsageChart chart = UsageChart.of(json.readTree(report), "token_class", from, to, Duration.ofHours(1));

        assertThat(chart.series().stream().map(UsageChart.Series::name))
                .containsExactly("input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens");
        assertThat(chart.series().stream().map(UsageChart.Series::total).reduce(BigDecimal.ZERO, BigDecimal::add))
                .isEqualByComparingTo(BigDecimal.valueOf(35 + 3 + 10));
    }

    @Test
    void spendIsChartedInItsCurrencyExactlyPerPeriodAndSeries() {
        String spend = """
                {"currency":"EUR","periods":[
                 {"from":"2026-12-05T01:00:00Z","to":"2026-12-05T02:00:00Z","lines":[
                   {"model":"glm-5","region":"cn-beijing","token_class":"input","tokens":10,"amount":0.0000123},
                   {"model":"glm-5","region":"cn-beijing","token_class":"output","tokens":20,"amount":0.0000456},
                   {"model":"kimi-k2","region":"cn-shanghai","token_class":"output","tokens":3,"amount":0.0000009}]},
                 {"from":"2026-12-05T03:00:00Z","to":"2026-12-05T04:00:00Z","lines":[
                   {"model":"glm-5","region":"cn-beijing","token_class":"output","tokens":1,"amount":0.1}]}]}""";

        UsageChart byModel = UsageChart.ofSpend(json.readTree(spend), "model", from, to, Duration.ofHours(1));
        assertThat(byModel.unit()).isEqualTo("EUR");
        assertThat(byModel.money()).isTrue();
        assertThat(byModel.series())
                .containsExactly(
                        new UsageChart.Series(
                                "glm-5",
                                List.of(
                                        BigDecimal.ZERO,
                                        new BigDecimal("0.0000579"),
                                        BigDecimal.ZERO,
                                        new BigDecimal("0.1"))),
                        new UsageChart.Series(
                                "kimi-k2",
                                List.of(
                                        BigDecimal.ZERO,
                                        new BigDecimal("0.0000009"),
                                        BigDecimal.ZERO,
                                        BigDecimal.ZERO)));
        assertThat(
                        UsageChart.ofSpend(json.readTree(spend), "token_class", from, to, Duration.ofHours(1))
                                .series()
                                .stream()
                                .map(UsageChart.Series::name))
                .containsExactly("input", "output");
    }

    private static List<BigDecimal> decimals(long... values) {
        return java.util.Arrays.stream(values).mapToObj(BigDecimal::valueOf).toList();
    }

    @Test
    void noRowsIsAnEmptyChart() {
        assertThat(UsageChart.of(json.readTree("{\"data\":[]}"), "model", from, to, Duration.ofHours(1))
                        .empty())
                .isTrue();
    }
}
