package io.tokenmeter.billing.trade;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.List;

/**
 * The token-trade statement of a period, in a reporting currency: one row per month x buyer country x serving region x
 * model x invoice currency x tax treatment, with the invoiced figures (issued and paid invoices) and the usage not yet
 * invoiced (priced as the next invoice would price it) side by side; totals per buyer country and per serving region.
 */
public record TokenTradeStatement(
        Instant from,
        Instant to,
        String reportingCurrency,
        List<Row> rows,
        List<Total> byBuyerCountry,
        List<Total> byServingRegion,
        Total total,
        Energy exportedEnergy,
        List<String> unpriced,
        List<String> method) {

    /**
     * An estimate, not a measurement: the electricity embodied in the tokens sold abroad (rows whose treatment is not
     * domestic), in kWh, from the energy intensities admins entered per model and serving region; {@code without} lists
     * the models and regions sold abroad that have none (their tokens are not in the figure).
     */
    public record Energy(BigDecimal invoicedKwh, BigDecimal notInvoicedKwh, List<String> without, String note) {}

    public record Row(
            String month,
            String buyerCountry,
            String servingRegion,
            String model,
            String invoiceCurrency,
            String taxTreatment,
            Figures invoiced,
            Figures notInvoiced) {}

    /** Tokens sold per class. */
    public record Tokens(long input, long cachedInput, long cacheWrite, long output) {
        static final Tokens NONE = new Tokens(0, 0, 0, 0);

        Tokens plus(Tokens o) {
            return new Tokens(
                    input + o.input, cachedInput + o.cachedInput, cacheWrite + o.cacheWrite, output + o.output);
        }

        Tokens plus(String tokenClass, long tokens) {
            return switch (tokenClass) {
                case "input" -> new Tokens(input + tokens, cachedInput, cacheWrite, output);
                case "cached_input" -> new Tokens(input, cachedInput + tokens, cacheWrite, output);
                case "cache_write" -> new Tokens(input, cachedInput, cacheWrite + tokens, output);
                case "output" -> new Tokens(input, cachedInput, cacheWrite, output + tokens);
                default -> throw new IllegalArgumentException("no token class " + tokenClass);
            };
        }

        long total() {
            return input + cachedInput + cacheWrite + output;
        }
    }

    /**
     * Revenue in the invoice currency ({@code revenue}; absent in totals across currencies) and the reporting one; the
     * provider cost in the cost book's currency and the reporting one; the gross margin and its rate, in the reporting
     * currency. Cost and margin are absent where some usage has no cost price; the energy estimate (kWh, to the Wh)
     * where the model has no energy intensity in the serving region.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Figures(
            Tokens tokens,
            BigDecimal revenue,
            BigDecimal revenueReporting,
            String costCurrency,
            BigDecimal cost,
            BigDecimal costReporting,
            BigDecimal grossMargin,
            BigDecimal marginRate,
            BigDecimal energyKwhEstimate) {

        static Figures of(
                Tokens tokens,
                BigDecimal revenue,
                BigDecimal revenueReporting,
                String costCurrency,
                BigDecimal cost,
                BigDecimal costReporting,
                BigDecimal energyKwhEstimate) {
            BigDecimal margin = costReporting == null ? null : revenueReporting.subtract(costReporting);
            return new Figures(
                    tokens,
                    revenue,
                    revenueReporting,
                    costCurrency,
                    cost,
                    costReporting,
                    margin,
                    rate(margin, revenueReporting),
                    energyKwhEstimate);
        }

        static BigDecimal rate(BigDecimal margin, BigDecimal revenue) {
            return margin == null || revenue.signum() == 0 ? null : margin.divide(revenue, 4, RoundingMode.HALF_EVEN);
        }
    }

    /** The rows of one buyer country or serving region added up, in the reporting currency. */
    public record Total(String key, Figures invoiced, Figures notInvoiced) {}
}
