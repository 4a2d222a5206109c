package io.tokenmeter.pricing.pricebook;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.pricing.rating.TierMode;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalTime;
import java.util.List;

/** The JSON of the price-book API. Rates are per 1,000,000 tokens, in the book's currency, exact decimals. */
public final class PriceBookDtos {

    private PriceBookDtos() {}

    public enum Purpose {
        /** What tenants pay. */
        @JsonProperty("sell")
        SELL,
        /** What a provider charges us, for margins. */
        @JsonProperty("cost")
        COST
    }

    /** {@code default}: the book of tenants without a contract; one per purpose. */
    public record PriceBookRequest(
            String name,
            String currency,
            Purpose purpose,
            @JsonProperty("default") Boolean isDefault) {
        boolean defaultBook() {
            return Boolean.TRUE.equals(isDefault);
        }
    }

    public record PriceBookView(
            String id,
            String name,
            String currency,
            Purpose purpose,
            @JsonProperty("default") boolean isDefault,
            Instant createdAt) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TierEntry(long fromTokens, BigDecimal ratePerMillion) {}

    /** A flat {@code rate_per_million}, or a {@code mode} with {@code tiers}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RateEntry(
            String model,
            String region,
            TokenClass tokenClass,
            BigDecimal ratePerMillion,
            TierMode mode,
            List<TierEntry> tiers) {}

    /**
     * When off-peak prices apply, with either a {@code discount_percent} on every rate or its own flat {@code rates}:
     * one daily UTC window ({@code start}, {@code end}), or a calendar ({@code windows} per day of week in
     * {@code time_zone}, default UTC, and {@code exceptions}: dates that follow another weekday's windows).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OffPeakEntry(
            LocalTime start,
            LocalTime end,
            String timeZone,
            List<WindowEntry> windows,
            List<ExceptionEntry> exceptions,
            BigDecimal discountPercent,
            List<OffPeakRate> rates) {}

    /**
     * Off-peak on these days ({@code MON} to {@code SUN}) from {@code start} to {@code end} (past midnight where end is
     * earlier), or {@code all_day}.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WindowEntry(List<String> days, LocalTime start, LocalTime end, Boolean allDay) {}

    /** A date priced by another weekday's windows: a holiday {@code as} SUN, a make-up working day {@code as} MON. */
    public record ExceptionEntry(java.time.LocalDate date, String as, String note) {}

    /** The rate inside the window for one model, region and class; its tokens still count toward the tiers. */
    public record OffPeakRate(String model, String region, TokenClass tokenClass, BigDecimal ratePerMillion) {}

    /** What a version holds, stored as one JSON document. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionContent(OffPeakEntry offPeak, List<RateEntry> rates, String note) {}

    /**
     * {@code backdate_reason}: why a new version takes effect in the past (required then; audited with who added it).
     * It may not reach into a period an issued invoice of a tenant the book prices covers.
     */
    public record VersionRequest(
            Instant effectiveFrom, OffPeakEntry offPeak, List<RateEntry> rates, String note, String backdateReason) {
        VersionContent content() {
            return new VersionContent(offPeak, rates, note);
        }
    }

    public record VersionView(
            String priceBookId,
            int version,
            Instant effectiveFrom,
            boolean inEffect,
            OffPeakEntry offPeak,
            List<RateEntry> rates,
            String note,
            Instant createdAt,
            String createdBy,
            @JsonInclude(JsonInclude.Include.NON_NULL) String backdateReason) {}
}
