package io.tokenmeter.console.web;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class FormatsTest {

    private final Formats fmt = new Formats();
    private final JsonMapper json = JsonMapper.builder().build();

    @Test
    void moneyIsShownInTheCurrencysMinorUnitsRoundedHalfToEven() {
        assertThat(fmt.money(new BigDecimal("1234.565"), "EUR")).isEqualTo("1,234.56 EUR");
        assertThat(fmt.money(new BigDecimal("1234.575"), "EUR")).isEqualTo("1,234.58 EUR");
        assertThat(fmt.money(new BigDecimal("1500.5"), "JPY")).isEqualTo("1,500 JPY");
        assertThat(fmt.money(new BigDecimal("2.0005"), "KWD")).isEqualTo("2.000 KWD");
        assertThat(fmt.money(json.readTree("25"), "SGD")).isEqualTo("25.00 SGD");
    }

    @Test
    void aCallsCostKeepsFourDigitsPastTheMinorUnit() {
        assertThat(fmt.cost(json.readTree("0.000033842592592592592592592592592592591645"), "EUR"))
                .isEqualTo("0.000034 EUR");
        assertThat(fmt.cost(null, "EUR")).isEmpty();
    }

    @Test
    void tokensAreGroupedAndTimesShownInUtc() {
        assertThat(fmt.tokens(json.readTree("3000000"))).isEqualTo("3,000,000");
        assertThat(fmt.utc(json.readTree("\"2026-12-05T14:17:42.225304Z\""))).isEqualTo("2026-12-05 14:17 UTC");
        assertThat(fmt.utc(json.readTree("null"))).isEmpty();
        assertThat(fmt.hour("2026-12-05T09:00:00Z")).isEqualTo("12-05 09:00");
    }
}
