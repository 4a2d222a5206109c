package io.tokenmeter.contracts.money;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MoneyTest {

    private static Money usd(String amount) {
        return Money.of(new BigDecimal(amount), "USD");
    }

    @Test
    void arithmeticKeepsFullPrecisionUntilRoundedOnceHalfToEven() {
        Money exact = usd("0.000125").plus(usd("0.000125")).plus(usd("0.0049"));
        assertThat(exact.amount()).isEqualByComparingTo("0.00515");
        assertThat(exact.rounded().amount()).isEqualTo(new BigDecimal("0.01"));
        assertThat(usd("0.125").rounded().amount()).isEqualTo(new BigDecimal("0.12")); // half to even, not half up
        assertThat(usd("0.135").rounded().amount()).isEqualTo(new BigDecimal("0.14"));
        assertThat(Money.of(new BigDecimal("1234.5"), "JPY").rounded().amount()).isEqualTo(new BigDecimal("1234"));
        assertThat(Money.of(new BigDecimal("1.23456"), "KWD").rounded().amount())
                .isEqualTo(new BigDecimal("1.235"));
    }

    @Test
    void taxOnASubtotalIsThePercentOfItRoundedOnce() {
        Money subtotal = usd("10.05");
        assertThat(subtotal.percent(new BigDecimal("8.25")).amount()).isEqualByComparingTo("0.829125");
        assertThat(subtotal.percent(new BigDecimal("8.25")).rounded()).isEqualTo(usd("0.83"));
        assertThat(subtotal.percent(BigDecimal.ZERO).rounded()).isEqualTo(usd("0.00"));
    }

    @Test
    void aConversionStatesTheTargetCurrency() {
        Money cny = Money.of(new BigDecimal("4.000000"), "CNY");
        Money converted = cny.convert(new BigDecimal("0.1380"), "USD");
        assertThat(converted.currencyCode()).isEqualTo("USD");
        assertThat(converted.rounded()).isEqualTo(usd("0.55"));
    }

    @Test
    void amountsOfDifferentCurrenciesAreNeverAddedOrCompared() {
        Money eur = Money.of(BigDecimal.ONE, "EUR");
        assertThatThrownBy(() -> usd("1").plus(eur))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("USD and EUR");
        assertThatThrownBy(() -> usd("1").exceeds(eur)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> usd("1").min(eur)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void minorUnitsAreThoseOfTheCurrency() {
        assertThat(usd("1.10").inMinorUnits()).isTrue();
        assertThat(usd("1.100").inMinorUnits()).isTrue(); // trailing zeros say nothing more
        assertThat(usd("1.105").inMinorUnits()).isFalse();
        assertThat(Money.of(new BigDecimal("5"), "JPY").inMinorUnits()).isTrue();
        assertThat(Money.of(new BigDecimal("5.5"), "JPY").inMinorUnits()).isFalse();
        assertThat(Money.zero("JPY").amount()).isEqualTo(new BigDecimal("0"));
        assertThat(Money.zero("USD").amount()).isEqualTo(new BigDecimal("0.00"));
        assertThatThrownBy(() -> Money.zero("XXX")).isInstanceOf(IllegalArgumentException.class);
    }
}
