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

    /** A daily UTC window with either a {@code discount_percent} on every rate or its own flat {@code rates}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OffPeakEntry(LocalTime start, LocalTime end, BigDecimal discountPercent, List<OffPeakRate> rates) {}

    /** The rate inside the window for one model, region and class; its tokens still count toward the tiers. */
    public record OffPeakRate(String model, String region, TokenClass tokenClass, BigDecimal ratePerMillion) {}

    /** What a version holds, stored as one JSON document. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionContent(OffPeakEntry offPeak, List<RateEntry> rates, String note) {}

    public record VersionRequest(Instant effectiveFrom, OffPeakEntry offPeak, List<RateEntry> rates, String note) {
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
            String createdBy) {}
}
