package io.tokenmeter.pricing.quote;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.pricing.quote.QuoteDtos.Quote;
import io.tokenmeter.pricing.quote.QuoteDtos.QuoteRequest;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
class QuoteController {

    private final QuoteService quotes;

    QuoteController(QuoteService quotes) {
        this.quotes = quotes;
    }

    @PostMapping("/api/v1/rating/quote")
    @Operation(summary = "Price quantities for a tenant and period, line by line, explaining book, version, contract, tiers and FX",
            description = "Tenant keys may quote only for their own tenant.")
    Quote quote(Caller caller, @RequestBody QuoteRequest request) {
        return quotes.quote(caller, request);
    }
}
