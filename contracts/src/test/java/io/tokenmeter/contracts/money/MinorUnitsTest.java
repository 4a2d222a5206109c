package io.tokenmeter.contracts.money;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MinorUnitsTest {

    @ParameterizedTest(name = "{1} {0} rounds to {2}")
    @CsvSource({
        "1234.5, JPY, 1234", // no minor units; half to even
        "1235.5, JPY, 1236",
        "0.125, USD, 0.12",
        "0.135, USD, 0.14",
        "0.1250001, USD, 0.13",
        "42.5769230, KWD, 42.577", // three minor units
        "-0.005, EUR, -0.00",
    })
    void roundsOnceToTheCurrencysMinorUnitsHalfEven(String amount, String currency, String expected) {
        assertThat(MinorUnits.round(new BigDecimal(amount), MinorUnits.currency(currency)))
                .isEqualTo(new BigDecimal(expected));
    }

    @Test
    void refusesUnknownCurrenciesAndOnesWithoutMinorUnits() {
        assertThatThrownBy(() -> MinorUnits.currency("XYZ")).hasMessageContaining("unknown ISO 4217 currency: XYZ");
        assertThatThrownBy(() -> MinorUnits.currency("XAU")).hasMessageContaining("no minor units");
    }
}
