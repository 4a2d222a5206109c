package io.tokenmeter.pricing.quote;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.rating.RatingApi;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.rating.RatingApi.QuoteRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Instant;

@RestController
class QuoteController {

    private final QuoteService quotes;

    QuoteController(QuoteService quotes) {
        this.quotes = quotes;
    }

    @GetMapping("/api/v1/rating/prices")
    @Operation(
            summary = "The prices that apply to a tenant at an instant (default: now), contract discount applied",
            description = "A tenant key reads its own; finance and admin name the tenant.")
    QuoteDtos.TenantPrices prices(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(required = false) Instant at) {
        return quotes.prices(caller, tenantId, at == null ? Instant.now() : at);
    }

    @GetMapping(RatingApi.RATE_CARD_PATH)
    @Operation(
            summary =
                    "The most a token can cost a tenant now, per model, region and class, in a currency (for budget reservations)",
            description =
                    "A tenant key reads its own; finance and admin name the tenant. The currency defaults to the book's.")
    RatingApi.RateCard rateCard(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(required = false) String currency) {
        return quotes.rateCard(caller, tenantId, currency, Instant.now());
    }

    @GetMapping(RatingApi.PRICE_EDGES_PATH)
    @Operation(
            summary =
                    "The instants inside [from, to) where a tenant's price may change (versions, contracts, off-peak)",
            description = "A quote prices each usage bucket by its start and refuses a bucket across one of these: "
                    + "split buckets there. A tenant key reads its own; finance and admin name the tenant.")
    RatingApi.PriceEdges priceEdges(
            Caller caller,
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam Instant from,
            @RequestParam Instant to) {
        return quotes.priceEdges(caller, tenantId, from, to);
    }

    @PostMapping(RatingApi.QUOTE_PATH)
    @Operation(
            summary =
                    "Price quantities for a tenant and period, line by line, explaining book, version, contract, tiers and FX",
            description = "Tenant keys may quote only for their own tenant.")
    Quote quote(Caller caller, @RequestBody QuoteRequest request) {
        return quotes.quote(caller, request);
    }
}
