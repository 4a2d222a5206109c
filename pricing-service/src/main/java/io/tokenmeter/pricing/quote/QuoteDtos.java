package io.tokenmeter.pricing.quote;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.tokenmeter.pricing.fx.FxRate;
import io.tokenmeter.pricing.rating.TierCharge;
import io.tokenmeter.pricing.rating.TokenClass;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

public final class QuoteDtos {

    private QuoteDtos() {
    }

    public record Period(Instant from, Instant to) {
    }

    public record Bucket(Instant from, Instant to, long tokens) {
    }

    /**
     * {@code tokens} (priced by the version in force at the period's start, as peak except an optional
     * {@code off_peak_tokens} share of them, which fills the tiers after the peak tokens) or {@code buckets} (each at its own time, off-peak
     * where it falls in the window). {@code already_counted}: tokens of this model and class already used in
     * the period, where tiers continue from; by default the earlier lines of the quote for the same model and class.
     */
    public record QuoteLine(String model, String region, @JsonProperty("token_class") TokenClass tokenClass, Long tokens,
                            @JsonProperty("off_peak_tokens") Long offPeakTokens,
                            List<Bucket> buckets, @JsonProperty("already_counted") Long alreadyCounted) {
    }

    public record QuoteRequest(@JsonProperty("tenant_id") String tenantId, Period period, String currency, List<QuoteLine> lines) {
    }

    public record Converted(String currency, BigDecimal amount, BigDecimal rate, @JsonProperty("fx_date") LocalDate fxDate,
                            @JsonProperty("rates_used") List<FxRate> ratesUsed) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PricedLine(String model, String region, @JsonProperty("token_class") TokenClass tokenClass, long tokens,
                             boolean priced, String reason,
                             @JsonProperty("price_book_id") String priceBookId, @JsonProperty("price_book_version") Integer priceBookVersion,
                             @JsonProperty("contract_id") String contractId, @JsonProperty("price_source") String priceSource,
                             @JsonProperty("discount_percent") BigDecimal discountPercent,
                             String currency, @JsonProperty("amount_exact") BigDecimal amountExact, BigDecimal amount,
                             List<TierCharge> tiers, Converted converted) {
    }

    /** The prices in force for a tenant at an instant, with a contract discount already applied to every rate. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantPrices(@JsonProperty("tenant_id") String tenantId, Instant at, @JsonProperty("price_source") String priceSource,
                               @JsonProperty("price_book_id") String priceBookId, @JsonProperty("price_book_version") int priceBookVersion,
                               @JsonProperty("effective_from") Instant effectiveFrom, @JsonProperty("contract_id") String contractId,
                               @JsonProperty("discount_percent") BigDecimal discountPercent, String currency,
                               @JsonProperty("off_peak") io.tokenmeter.pricing.pricebook.PriceBookDtos.OffPeakEntry offPeak,
                               List<io.tokenmeter.pricing.pricebook.PriceBookDtos.RateEntry> rates, String note) {
    }

    /**
     * The most a token of each model, region and class can cost a tenant at an instant, in one currency: the highest
     * tier, the higher of the peak and an off-peak rate, contract discount applied, converted at the FX rate of the
     * instant's day. What the gateway reserves against budgets; valid until {@code valid_until} (the next version,
     * contract edge or FX day), never longer.
     */
    public record RateCard(@JsonProperty("tenant_id") String tenantId, Instant at, String currency,
                           @JsonProperty("valid_until") Instant validUntil, @JsonProperty("price_book_id") String priceBookId,
                           @JsonProperty("price_book_version") int priceBookVersion, @JsonProperty("fx_rate") BigDecimal fxRate,
                           List<MaxRate> rates) {
    }

    public record MaxRate(String model, String region, @JsonProperty("token_class") TokenClass tokenClass,
                          @JsonProperty("max_rate_per_million") BigDecimal maxRatePerMillion) {
    }

    public record Quote(@JsonProperty("tenant_id") String tenantId, Period period, List<PricedLine> lines,
                        Map<String, BigDecimal> totals, @JsonProperty("rounding") String rounding) {
    }
}
