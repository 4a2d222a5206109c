package io.tokenmeter.billing.trade;

import io.tokenmeter.billing.trade.TokenTradeRepository.InvoicedLine;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The statement's revenue is net of credit notes, shared over an invoice's lines to the minor unit. */
class TokenTradeCreditsTest {

    private static final Instant OCT = Instant.parse("2026-10-01T00:00:00Z");

    @Test
    void aPartialCreditIsSharedOverTheLinesByAmountAndAddsUpToTheCreditExactly() {
        UUID invoice = UUID.randomUUID();
        InvoicedLine a = line(invoice, "EUR", "1.00", "3.01", "1.00");
        InvoicedLine b = line(invoice, "EUR", "2.00", "3.01", "1.00");
        InvoicedLine c = line(invoice, "EUR", "0.01", "3.01", "1.00");
        InvoicedLine untouched = line(UUID.randomUUID(), "EUR", "5.00", "5.00", "0");

        Map<InvoicedLine, BigDecimal> net = TokenTradeService.netOfCredits(List.of(a, b, c, untouched));

        // exact shares 0.3322, 0.6645, 0.0033: floors 0.33 + 0.66 + 0.00, the last cent to the largest remainder
        assertThat(net.get(a)).isEqualByComparingTo("0.67");
        assertThat(net.get(b)).isEqualByComparingTo("1.33");
        assertThat(net.get(c)).isEqualByComparingTo("0.01");
        assertThat(net.get(a).add(net.get(b)).add(net.get(c)))
                .as("3.01 invoiced less 1.00 credited")
                .isEqualByComparingTo("2.01");
        assertThat(net.get(untouched)).isEqualByComparingTo("5.00");
    }

    @Test
    void aCurrencyWithoutMinorUnitsIsSharedInWholeUnitsAndTwoEqualLinesStayApart() {
        UUID invoice = UUID.randomUUID();
        InvoicedLine first = line(invoice, "JPY", "100", "200", "101");
        InvoicedLine same = line(invoice, "JPY", "100", "200", "101");

        Map<InvoicedLine, BigDecimal> net = TokenTradeService.netOfCredits(List.of(first, same));

        assertThat(net).hasSize(2);
        assertThat(net.get(first).add(net.get(same))).isEqualByComparingTo("99");
        assertThat(net.values()).allSatisfy(v -> assertThat(v.scale()).isLessThanOrEqualTo(0));
    }

    private static InvoicedLine line(UUID invoice, String currency, String amount, String subtotal, String credited) {
        return new InvoicedLine(
                "ten_a",
                currency,
                OCT.plusSeconds(86_400 * 31),
                "DE",
                "SG",
                "reverse_charge",
                BigDecimal.ZERO,
                null,
                "deepseek-v3.2",
                "cn-hangzhou",
                "output",
                1_000_000,
                new BigDecimal(amount),
                null,
                OCT,
                invoice,
                new BigDecimal(subtotal),
                new BigDecimal(credited));
    }
}
