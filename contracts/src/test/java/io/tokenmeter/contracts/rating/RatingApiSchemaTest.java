package io.tokenmeter.contracts.rating;

import io.tokenmeter.contracts.WireSchemas;
import io.tokenmeter.contracts.rating.RatingApi.Bucket;
import io.tokenmeter.contracts.rating.RatingApi.Converted;
import io.tokenmeter.contracts.rating.RatingApi.MaxRate;
import io.tokenmeter.contracts.rating.RatingApi.Period;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.rating.RatingApi.QuoteLine;
import io.tokenmeter.contracts.rating.RatingApi.QuoteRequest;
import io.tokenmeter.contracts.rating.RatingApi.RateCard;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The rating API's records (what pricing writes, billing and the gateway read) and their schemas say the same. */
class RatingApiSchemaTest {

    private static final Instant FROM = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant TO = Instant.parse("2026-12-01T00:00:00Z");

    @Test
    void aQuoteRequestIsWhatItsSchemaDescribes() {
        WireSchemas schema = WireSchemas.of("rating-quote-request.v1.schema.json")
                .describes(QuoteRequest.class, "")
                .describes(Period.class, "/$defs/period")
                .describes(QuoteLine.class, "/$defs/quote_line")
                .describes(Bucket.class, "/$defs/bucket");
        schema.acceptsWhatTheRecordWrites(new QuoteRequest(
                "t-1",
                new Period(FROM, TO),
                "USD",
                List.of(
                        new QuoteLine(
                                "deepseek-v3.2",
                                "cn-hangzhou",
                                TokenClass.CACHED_INPUT,
                                null,
                                null,
                                List.of(new Bucket(FROM, FROM.plusSeconds(3600), 1_200_000)),
                                5_000L),
                        new QuoteLine("glm-5", "cn-beijing", TokenClass.OUTPUT, 800L, 100L, null, null))));
        assertThat(schema.errors("""
                {"period":{"from":"2026-11-01T00:00:00Z","to":"2026-12-01T00:00:00Z"},
                 "lines":[{"model":"m","region":"r","token_class":"thinking","tokens":1}]}""")).isNotEmpty();
    }

    @Test
    void aQuoteIsWhatItsSchemaDescribes() {
        WireSchemas schema = WireSchemas.of("rating-quote.v1.schema.json")
                .describes(Quote.class, "")
                .describes(PricedLine.class, "/$defs/priced_line")
                .describes(TierCharge.class, "/$defs/tier_charge")
                .describes(Converted.class, "/$defs/converted")
                .describes(FxRate.class, "/$defs/fx_rate")
                .describes(Period.class, "/$defs/period");
        PricedLine priced = new PricedLine(
                "deepseek-v3.2",
                "cn-hangzhou",
                TokenClass.INPUT,
                2_000_000,
                true,
                null,
                "pb_1",
                3,
                null,
                "price_book",
                null,
                "CNY",
                new BigDecimal("4.000000"),
                new BigDecimal("4.00"),
                List.of(new TierCharge(1, 2_000_000, new BigDecimal("2.00"), false, new BigDecimal("4.000000"))),
                new Converted(
                        "USD",
                        new BigDecimal("0.55"),
                        new BigDecimal("0.1380"),
                        LocalDate.parse("2026-11-30"),
                        List.of(new FxRate(
                                "CNY", "USD", new BigDecimal("0.1380"), LocalDate.parse("2026-11-30"), "ECB"))));
        PricedLine unpriced = new PricedLine(
                "kimi-k2",
                "cn-shanghai",
                TokenClass.OUTPUT,
                10,
                false,
                "no price for kimi-k2",
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
        schema.acceptsWhatTheRecordWrites(new Quote(
                "t-1",
                new Period(FROM, TO),
                List.of(priced, unpriced),
                Map.of("USD", new BigDecimal("0.55")),
                "HALF_EVEN to the currency's minor units, once per line"));
        assertThat(schema.errors("""
                {"period":{"from":"2026-11-01T00:00:00Z","to":"2026-12-01T00:00:00Z"},"totals":{},"rounding":"x",
                 "lines":[{"model":"m","region":"r","token_class":"input","tokens":-1,"priced":true}]}""")).isNotEmpty();
    }

    @Test
    void aRateCardIsWhatItsSchemaDescribes() {
        WireSchemas schema = WireSchemas.of("rate-card.v1.schema.json")
                .describes(RateCard.class, "")
                .describes(MaxRate.class, "/$defs/max_rate");
        schema.acceptsWhatTheRecordWrites(new RateCard(
                "t-1",
                FROM,
                "USD",
                TO,
                "pb_1",
                3,
                new BigDecimal("0.1380"),
                true,
                List.of(new MaxRate(
                        "glm-5",
                        "cn-beijing",
                        TokenClass.CACHE_WRITE,
                        new BigDecimal("1.25"),
                        new BigDecimal("0.5")))));
        assertThat(schema.errors("""
                {"tenant_id":"t-1","at":"2026-11-01T00:00:00Z","currency":"usd","rates":[]}""")).isNotEmpty();
    }

    @Test
    void priceEdgesAreWhatTheirSchemaDescribes() {
        WireSchemas schema = WireSchemas.of("price-edges.v1.schema.json")
                .describes(RatingApi.PriceEdges.class, "")
                .describes(RatingApi.PriceEdge.class, "/$defs/price_edge");
        schema.acceptsWhatTheRecordWrites(new RatingApi.PriceEdges(
                "t-1",
                FROM,
                TO,
                List.of(new RatingApi.PriceEdge(
                        FROM.plusSeconds(1_000), "version", "version 2 of pb_1 takes effect"))));
        assertThat(schema.errors("""
                {"tenant_id":"t-1","from":"2026-11-01T00:00:00Z","to":"2026-12-01T00:00:00Z",
                 "edges":[{"at":"2026-11-02T00:00:00Z","kind":"holiday"}]}""")).isNotEmpty();
    }

    @Test
    void tokenClassesHaveOneWireNameEach() {
        for (TokenClass c : TokenClass.values()) {
            assertThat(TokenClass.fromWire(c.wire())).isEqualTo(c);
            assertThat(io.tokenmeter.contracts.json.WireJson.MAPPER.writeValueAsString(c))
                    .isEqualTo("\"" + c.wire() + "\"");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenClass.fromWire("reasoning"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
