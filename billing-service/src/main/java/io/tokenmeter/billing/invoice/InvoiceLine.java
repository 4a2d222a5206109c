package io.tokenmeter.billing.invoice;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

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
public record InvoiceLine(UUID id, int position, LineKind kind, String description, String model, String region,
                          @JsonProperty("token_class") String tokenClass,
                          @JsonProperty("usage_period_start") Instant usagePeriodStart,
                          @JsonProperty("usage_period_end") Instant usagePeriodEnd,
                          Long tokens, @JsonProperty("unit_rate_per_million") BigDecimal unitRatePerMillion,
                          @JsonProperty("book_currency") String bookCurrency, @JsonProperty("amount_in_book") BigDecimal amountInBook,
                          @JsonProperty("fx_rate") BigDecimal fxRate, @JsonProperty("fx_date") LocalDate fxDate,
                          @JsonProperty("fx_source") String fxSource, BigDecimal amount) {

    /** A line as an invoice run prices it, before it has an id and a place on an invoice. */
    public static InvoiceLine draft(LineKind kind, String description, String model, String region, String tokenClass,
                                    Instant usagePeriodStart, Instant usagePeriodEnd, Long tokens, BigDecimal unitRatePerMillion,
                                    String bookCurrency, BigDecimal amountInBook, BigDecimal fxRate, LocalDate fxDate, String fxSource,
                                    BigDecimal amount) {
        return new InvoiceLine(null, 0, kind, description, model, region, tokenClass, usagePeriodStart, usagePeriodEnd, tokens,
                unitRatePerMillion, bookCurrency, amountInBook, fxRate, fxDate, fxSource, amount);
    }
}
