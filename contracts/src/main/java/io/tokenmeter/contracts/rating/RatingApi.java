package io.tokenmeter.contracts.rating;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * The wire shapes of pricing's rating API, as pricing answers them and as billing (quotes) and the gateway (rate
 * cards) read them. {@code schemas/rating-quote.v1.schema.json} and {@code schemas/rate-card.v1.schema.json}
 * describe them; {@code RatingApiSchemaTest} keeps the records and the schemas in step.
 */
public final class RatingApi {

    /** Where pricing answers: {@code POST} a {@link QuoteRequest}, get a {@link Quote}. */
    public static final String QUOTE_PATH = "/api/v1/rating/quote";

    /** Where pricing answers: {@code GET ?tenant_id=&at=}, get a {@link RateCard}. */
    public static final String RATE_CARD_PATH = "/api/v1/rating/rate-card";

    /**
     * Where pricing answers: {@code GET ?tenant_id=&from=&to=}, get the {@link PriceEdges} of a period: the instants
     * inside it where a tenant's price may change. Usage buckets that cross one cannot be quoted; split them there.
     */
    public static final String PRICE_EDGES_PATH = "/api/v1/rating/price-edges";

    private RatingApi() {}

    public record Period(Instant from, Instant to) {}

    public record Bucket(Instant from, Instant to, long tokens) {}

    /**
     * {@code tokens} (priced by the version in force at the period's start, as peak except an optional
     * {@code off_peak_tokens} share of them, which fills the tiers after the peak tokens) or {@code buckets} (each at
     * its own time, off-peak where it falls in the window). {@code already_counted}: tokens of this model and class
     * already used in the period, where tiers continue from; by default the earlier lines of the quote for the same
     * model and class.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record QuoteLine(
            String model,
            String region,
            TokenClass tokenClass,
            Long tokens,
            Long offPeakTokens,
            List<Bucket> buckets,
            Long alreadyCounted) {}

    /**
     * {@code purpose}: {@code sell} (null too) prices what the tenant pays; {@code cost} what the provider charges us,
     * by the default cost book, for margins (staff only, no tenant needed).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record QuoteRequest(String tenantId, Period period, String currency, List<QuoteLine> lines, String purpose) {
        public QuoteRequest(String tenantId, Period period, String currency, List<QuoteLine> lines) {
            this(tenantId, period, currency, lines, null);
        }
    }

    public record Converted(
            String currency, BigDecimal amount, BigDecimal rate, LocalDate fxDate, List<FxRate> ratesUsed) {}

    /**
     * A line priced: in the price book's currency, exact and rounded, and {@code converted} where asked for another.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PricedLine(
            String model,
            String region,
            TokenClass tokenClass,
            long tokens,
            boolean priced,
            String reason,
            String priceBookId,
            Integer priceBookVersion,
            String contractId,
            String priceSource,
            BigDecimal discountPercent,
            String currency,
            BigDecimal amountExact,
            BigDecimal amount,
            List<TierCharge> tiers,
            Converted converted) {}

    public record Quote(
            String tenantId, Period period, List<PricedLine> lines, Map<String, BigDecimal> totals, String rounding) {}

    /**
     * The most a token of each model, region and class can cost a tenant at an instant, in one currency: the highest
     * tier, the higher of the peak and an off-peak rate, contract discount applied, converted at the FX rate of the
     * instant's day. What the gateway reserves against budgets; valid until {@code valid_until} (the next version,
     * contract edge or FX day), never longer.
     */
    public record RateCard(
            String tenantId,
            Instant at,
            String currency,
            Instant validUntil,
            String priceBookId,
            Integer priceBookVersion,
            BigDecimal fxRate,
            Boolean offPeak,
            List<MaxRate> rates) {}

    /**
     * One model, region and class on a rate card: the most a token can cost until the card's {@code validUntil}
     * (budgets reserve with it), and what the first token of a call costs at the card's instant (the first tier, the
     * off-peak rate inside the window, contract and FX applied; the gateway shows a call's cost with it).
     */
    public record MaxRate(
            String model,
            String region,
            TokenClass tokenClass,
            BigDecimal maxRatePerMillion,
            BigDecimal ratePerMillionNow) {}

    /**
     * The instants strictly inside [{@code from}, {@code to}) at which a tenant's price may change, oldest first: a
     * version takes effect, a contract starts or ends, an off-peak window opens or closes. A quote prices each bucket
     * by its start, so a bucket may not cross any of them; {@code schemas/price-edges.v1.schema.json} describes it.
     */
    public record PriceEdges(String tenantId, Instant from, Instant to, List<PriceEdge> edges) {}

    /** One edge and why it is one ({@code version}, {@code contract} or {@code off_peak}), in words in {@code note}. */
    public record PriceEdge(Instant at, String kind, String note) {}
}
