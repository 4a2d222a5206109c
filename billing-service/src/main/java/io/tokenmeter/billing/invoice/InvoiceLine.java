package io.tokenmeter.billing.invoice;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.UUID;

/**
 * One line: tokens of a model, region and token class at a unit rate per 1M, the amount in the price book's
 * currency, the FX rate that converted it (with its date and source) and the amount in the invoice currency,
 * rounded to its minor units. An adjustment names the earlier period its late usage belongs to.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record InvoiceLine(
        UUID id,
        int position,
        LineKind kind,
        String description,
        String model,
        String region,
        String tokenClass,
        Instant usagePeriodStart,
        Instant usagePeriodEnd,
        Long tokens,
        BigDecimal unitRatePerMillion,
        String bookCurrency,
        BigDecimal amountInBook,
        BigDecimal fxRate,
        LocalDate fxDate,
        String fxSource,
        BigDecimal amount) {

    /** A line as an invoice run prices it, before it has an id and a place on an invoice. */
    public static InvoiceLine draft(
            LineKind kind,
            String description,
            String model,
            String region,
            String tokenClass,
            Instant usagePeriodStart,
            Instant usagePeriodEnd,
            Long tokens,
            BigDecimal unitRatePerMillion,
            String bookCurrency,
            BigDecimal amountInBook,
            BigDecimal fxRate,
            LocalDate fxDate,
            String fxSource,
            BigDecimal amount) {
        return new InvoiceLine(
                null,
                0,
                kind,
                description,
                model,
                region,
                tokenClass,
                usagePeriodStart,
                usagePeriodEnd,
                tokens,
                unitRatePerMillion,
                bookCurrency,
                amountInBook,
                fxRate,
                fxDate,
                fxSource,
                amount);
    }
}
