package io.tokenmeter.billing.invoice;

import io.tokenmeter.contracts.money.Money;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The sums of an invoice and of a credit note, without a database. */
class InvoiceTotalsTest {

    private static InvoiceLine line(String amount) {
        return InvoiceLine.draft(
                LineKind.USAGE,
                "line of " + amount,
                "glm-5",
                "cn-beijing",
                "output",
                null,
                null,
                1L,
                BigDecimal.ONE,
                "USD",
                new BigDecimal(amount),
                null,
                null,
                null,
                new BigDecimal(amount));
    }

    @Test
    void taxIsOnTheSubtotalRoundedOnceNotOnEachLine() {
        // three lines of 0.05 at 10%: tax per line would be 0.005 each, 0.00 or 0.01 depending on the rule; on the
        // subtotal 0.015 -> 0.02
        InvoiceTotals totals =
                InvoiceTotals.of(List.of(line("0.05"), line("0.05"), line("0.05")), "USD", new BigDecimal("10"));
        assertThat(totals.subtotal()).isEqualTo(Money.of(new BigDecimal("0.15"), "USD"));
        assertThat(totals.tax()).isEqualTo(Money.of(new BigDecimal("0.02"), "USD"));
        assertThat(totals.total()).isEqualTo(Money.of(new BigDecimal("0.17"), "USD"));
    }

    @Test
    void aTotalIsSubtotalPlusTaxWithNothingLeftToRound() {
        InvoiceTotals totals = InvoiceTotals.of(List.of(line("1234"), line("1")), "JPY", new BigDecimal("10"));
        assertThat(totals.subtotal().amount()).isEqualTo(new BigDecimal("1235"));
        assertThat(totals.tax().amount()).isEqualTo(new BigDecimal("124")); // 123.5 half to even
        assertThat(totals.total().amount()).isEqualTo(new BigDecimal("1359"));
    }

    @Test
    void anEmptyInvoiceIsZeroInTheCurrencysMinorUnits() {
        InvoiceTotals totals = InvoiceTotals.of(List.of(), "KWD", new BigDecimal("5"));
        assertThat(totals.total().amount()).isEqualTo(new BigDecimal("0.000"));
    }

    @Test
    void unroundedLinesAndNegativeTotalsAreRefused() {
        assertThatThrownBy(() -> InvoiceTotals.of(List.of(line("0.001")), "USD", BigDecimal.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("minor units");
        assertThatThrownBy(() -> InvoiceTotals.of(List.of(line("1.00"), line("-2.00")), "USD", BigDecimal.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("less than zero");
    }

    @Test
    void aCreditsTaxNeverExceedsTheTaxLeftToCredit() {
        Money subtotal = Money.of(new BigDecimal("10.00"), "EUR");
        assertThat(InvoiceTotals.of(subtotal, new BigDecimal("19"), null).tax().amount())
                .isEqualTo(new BigDecimal("1.90"));
        InvoiceTotals capped =
                InvoiceTotals.of(subtotal, new BigDecimal("19"), Money.of(new BigDecimal("1.89"), "EUR"));
        assertThat(capped.tax().amount()).isEqualTo(new BigDecimal("1.89"));
        assertThat(capped.total().amount()).isEqualTo(new BigDecimal("11.89"));
    }
}
