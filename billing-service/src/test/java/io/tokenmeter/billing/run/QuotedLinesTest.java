package io.tokenmeter.billing.run;

import io.tokenmeter.billing.invoice.InvoiceLine;
import io.tokenmeter.billing.invoice.LineKind;
import io.tokenmeter.contracts.rating.FxRate;
import io.tokenmeter.contracts.rating.RatingApi.Converted;
import io.tokenmeter.contracts.rating.RatingApi.Period;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.rating.TierCharge;
import io.tokenmeter.contracts.rating.TokenClass;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How a quote becomes invoice lines: one line per tier, converted at the quote's rate and rounded once in the invoice
 * currency.
 */
class QuotedLinesTest {

    private static final Period NOVEMBER =
            new Period(Instant.parse("2026-11-01T00:00:00Z"), Instant.parse("2026-12-01T00:00:00Z"));
    private static final LocalDate FX_DAY = LocalDate.parse("2026-11-30");

    private static PricedLine cnyLine(List<TierCharge> tiers, String rate) {
        BigDecimal exact = tiers.stream().map(TierCharge::amount).reduce(BigDecimal.ZERO, BigDecimal::add);
        return new PricedLine(
                "deepseek-v3.2",
                "cn-hangzhou",
                TokenClass.CACHED_INPUT,
                tiers.stream().mapToLong(TierCharge::tokens).sum(),
                true,
                null,
                "pb_1",
                2,
                null,
                "price_book",
                null,
                "CNY",
                exact,
                exact,
                tiers,
                rate == null
                        ? null
                        : new Converted(
                                "USD",
                                exact.multiply(new BigDecimal(rate)),
                                new BigDecimal(rate),
                                FX_DAY,
                                List.of(new FxRate("CNY", "USD", new BigDecimal(rate), FX_DAY, "ECB"))));
    }

    @Test
    void eachTierIsALineConvertedThenRoundedOnceHalfToEven() {
        Quote quote = new Quote(
                "t-1",
                NOVEMBER,
                List.of(cnyLine(
                        List.of(
                                new TierCharge(1, 1_000_000, new BigDecimal("0.50"), false, new BigDecimal("0.500000")),
                                new TierCharge(2, 3_000_000, new BigDecimal("0.25"), true, new BigDecimal("0.750000"))),
                        "0.1380")),
                Map.of(),
                "HALF_EVEN");

        List<InvoiceLine> lines = QuotedLines.of(quote, "USD", LineKind.USAGE, null, null, "");

        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).amount()).isEqualTo(new BigDecimal("0.07")); // 0.0690 -> 0.07
        assertThat(lines.get(1).amount()).isEqualTo(new BigDecimal("0.10")); // 0.1035 -> 0.10
        assertThat(lines.get(1).description())
                .isEqualTo("deepseek-v3.2 cached input tokens, cn-hangzhou, tier 2, off-peak");
        assertThat(lines.get(0).amountInBook()).isEqualTo(new BigDecimal("0.500000"));
        assertThat(lines.get(0).bookCurrency()).isEqualTo("CNY");
        assertThat(lines.get(0).fxRate()).isEqualTo(new BigDecimal("0.1380"));
        assertThat(lines.get(0).fxSource()).isEqualTo("ECB");
    }

    @Test
    void anUnconvertedLineIsRoundedInTheInvoiceCurrency() {
        Quote quote = new Quote(
                "t-1",
                NOVEMBER,
                List.of(cnyLine(
                        List.of(new TierCharge(1, 333, new BigDecimal("7.00"), false, new BigDecimal("0.002331"))),
                        null)),
                Map.of(),
                "HALF_EVEN");
        List<InvoiceLine> lines =
                QuotedLines.of(quote, "CNY", LineKind.ADJUSTMENT, NOVEMBER.from(), NOVEMBER.to(), "late usage: ");
        assertThat(lines.getFirst().amount()).isEqualTo(new BigDecimal("0.00"));
        assertThat(lines.getFirst().fxRate()).isNull();
        assertThat(lines.getFirst().description()).startsWith("late usage: ").doesNotContain("tier");
    }

    @Test
    void unpricedUsageBlocksTheInvoiceRatherThanBillingZero() {
        PricedLine unpriced = new PricedLine(
                "kimi-k2",
                "cn-shanghai",
                TokenClass.OUTPUT,
                10,
                false,
                "no price book covers kimi-k2",
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
        Quote quote = new Quote("t-1", NOVEMBER, List.of(unpriced), Map.of(), "HALF_EVEN");
        assertThatThrownBy(() -> QuotedLines.of(quote, "USD", LineKind.USAGE, null, null, ""))
                .isInstanceOf(RunFailure.class)
                .hasMessageContaining("kimi-k2 in cn-shanghai, output: no price book covers kimi-k2");
    }
}
