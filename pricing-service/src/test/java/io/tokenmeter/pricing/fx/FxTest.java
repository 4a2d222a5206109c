package io.tokenmeter.pricing.fx;

import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.rating.FxRate;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FxTest {

    // Friday 27 and Thursday 26 February 2026; ECB layout with N/A cells and the trailing comma
    static final String ECB = """
            Date,USD,JPY,CNY,SGD,CYP,
            2026-02-27,1.0812,162.20,7.8000,1.4521,N/A,
            2026-02-26,1.0799,161.90,7.7900,N/A,N/A,
            """;

    @Test
    void readsTheEcbCsvSkippingNotAvailableCells() throws Exception {
        List<FxRate> rates = EcbCsv.parse(new StringReader(ECB));
        assertThat(rates).hasSize(7);
        assertThat(rates).allMatch(r -> r.base().equals("EUR") && r.source().equals(EcbCsv.SOURCE));
        assertThat(rates)
                .contains(new FxRate(
                        "EUR", "SGD", new BigDecimal("1.4521"), LocalDate.parse("2026-02-27"), EcbCsv.SOURCE));
        assertThat(rates)
                .noneMatch(r -> r.quote().equals("CYP")
                        || (r.quote().equals("SGD") && r.asOf().getDayOfMonth() == 26));
    }

    @Test
    void refusesBrokenCsvWithTheLineAndColumn() {
        assertThatThrownBy(() -> EcbCsv.parse(new StringReader("Day,USD\n2026-02-27,1.08\n")))
                .hasMessageContaining("'Date'");
        assertThatThrownBy(() -> EcbCsv.parse(new StringReader("Date,USD,\n2026-02-27,abc,\n")))
                .hasMessageContaining("line 2, USD: 'abc'");
        assertThatThrownBy(() -> EcbCsv.parse(new StringReader("Date,XYZ,\n2026-02-27,1.0,\n")))
                .hasMessageContaining("'XYZ'");
        assertThatThrownBy(() -> EcbCsv.parse(new StringReader("Date,USD,\n27.02.2026,1.0,\n")))
                .hasMessageContaining("not a date");
    }

    @Test
    void aPeriodUsesTheLastRatePublishedOnOrBeforeItsEnd() throws Exception {
        FxRateTable table = new FxRateTable(EcbCsv.parse(new StringReader(ECB)));
        // February 2026 ends on Saturday the 28th: Friday's rate applies
        FxConversion conversion = table.conversion("EUR", "USD", LocalDate.parse("2026-02-28"));
        assertThat(conversion.rate()).isEqualByComparingTo("1.0812");
        assertThat(conversion.ratesUsed()).extracting(FxRate::asOf).containsExactly(LocalDate.parse("2026-02-27"));
        assertThat(table.conversion("EUR", "USD", LocalDate.parse("2026-02-26")).rate())
                .isEqualByComparingTo("1.0799");
    }

    @Test
    void crossRatesGoThroughTheEuroAndSayWhichRatesWereUsed() throws Exception {
        FxRateTable table = new FxRateTable(EcbCsv.parse(new StringReader(ECB)));
        FxConversion cnyToJpy = table.conversion("CNY", "JPY", LocalDate.parse("2026-02-28"));
        assertThat(cnyToJpy.ratesUsed()).extracting(FxRate::quote).containsExactly("CNY", "JPY");
        // 1000 CNY = 1000 / 7.8 EUR = 128.2051... EUR = 20,794.87 JPY; JPY has no minor units
        BigDecimal jpy = MinorUnits.round(new BigDecimal("1000").multiply(cnyToJpy.rate()), MinorUnits.currency("JPY"));
        assertThat(jpy).isEqualTo(new BigDecimal("20795"));
        // 1000 CNY to USD: 1000 x 1.0812 / 7.8 = 138.6153846... USD
        FxConversion cnyToUsd = table.conversion("CNY", "USD", LocalDate.parse("2026-02-28"));
        assertThat(MinorUnits.round(new BigDecimal("1000").multiply(cnyToUsd.rate()), MinorUnits.currency("USD")))
                .isEqualTo(new BigDecimal("138.62"));
    }

    /** The local stack's demo 1.08 beat an imported ECB 1.10 of the same day; the order of sources decides now. */
    @Test
    void ofSeveralSourcesForOnePairAndDayTheConfiguredOrderDecidesWhateverTheirNames() {
        LocalDate day = LocalDate.parse("2026-02-27");
        FxRate demo = new FxRate("EUR", "USD", new BigDecimal("1.08"), day, "demo (illustrative)");
        FxRate ecb = new FxRate("EUR", "USD", new BigDecimal("1.10"), day, "ECB");
        FxRate admin = new FxRate("EUR", "USD", new BigDecimal("1.09"), day, "treasury desk");
        for (List<FxRate> published : List.of(List.of(demo, ecb), List.of(ecb, demo))) {
            assertThat(new FxRateTable(published).conversion("EUR", "USD", day).rate())
                    .isEqualByComparingTo("1.10");
        }
        assertThat(new FxRateTable(List.of(demo, ecb, admin))
                        .conversion("EUR", "USD", day)
                        .ratesUsed()
                        .getFirst()
                        .source())
                .as("an admin's explicit entry, under any name the order does not list")
                .isEqualTo("treasury desk");
        FxSourcePolicy ecbFirst = new FxSourcePolicy(List.of("ecb", "admin", "demo"));
        assertThat(new FxRateTable(List.of(admin, demo, ecb), ecbFirst)
                        .conversion("USD", "EUR", day)
                        .ratesUsed()
                        .getFirst()
                        .source())
                .isEqualTo("ECB");
    }

    @Test
    void inverseRatesAndThreeDecimalCurrencies() {
        FxRateTable table = new FxRateTable(
                List.of(new FxRate("USD", "KWD", new BigDecimal("0.3071"), LocalDate.parse("2026-02-27"), "admin")));
        // 1000 KWD in USD: 1000 / 0.3071 = 3256.268316509... -> 3256.27; 99.99 USD in KWD: 30.706929 -> 30.707
        assertThat(MinorUnits.round(
                        new BigDecimal("1000")
                                .multiply(table.conversion("KWD", "USD", LocalDate.parse("2026-02-28"))
                                        .rate()),
                        MinorUnits.currency("USD")))
                .isEqualTo(new BigDecimal("3256.27"));
        assertThat(MinorUnits.round(
                        new BigDecimal("99.99")
                                .multiply(table.conversion("USD", "KWD", LocalDate.parse("2026-02-28"))
                                        .rate()),
                        MinorUnits.currency("KWD")))
                .isEqualTo(new BigDecimal("30.707"));
    }

    @Test
    void aMissingOrStaleRateIsAnErrorNamingThePairAndDate() throws Exception {
        FxRateTable table = new FxRateTable(EcbCsv.parse(new StringReader(ECB)));
        assertThatThrownBy(() -> table.conversion("USD", "BRL", LocalDate.parse("2026-02-28")))
                .isInstanceOf(MissingFxRateException.class)
                .hasMessageContaining("USD/BRL on or before 2026-02-28");
        assertThatThrownBy(() -> table.conversion("EUR", "USD", LocalDate.parse("2026-03-31")))
                .hasMessageContaining("EUR/USD on or before 2026-03-31");
        assertThatThrownBy(() -> table.conversion("EUR", "USD", LocalDate.parse("2026-02-25")))
                .as("nothing published on or before it")
                .isInstanceOf(MissingFxRateException.class);
        assertThat(table.conversion("SGD", "SGD", LocalDate.parse("2026-02-28")).rate())
                .isEqualByComparingTo("1");
    }
}
