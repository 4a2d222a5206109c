package io.tokenmeter.gateway.budgets;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.rating.RatingApi;
import io.tokenmeter.gateway.proxy.ServiceProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Tenants' rate cards from pricing (the most a token of each model, region and class can cost, in the budget's
 * currency), kept per tenant and currency until the card's own validity or the configured TTL, whichever ends
 * first: the per-call path asks pricing about once a minute per tenant, not once a call.
 */
@Component
class RateCards {

    /** Rates per 1,000,000 tokens by model, region and token class ({@code input}, {@code output}, ...). */
    record RateCard(String currency, Instant validUntil, Map<String, BigDecimal> rates) {
        BigDecimal rate(String model, String region, String tokenClass) {
            return rates.get(model + "|" + region + "|" + tokenClass);
        }
    }

    /** Pricing could not say what a token costs this tenant (no price book in force, no FX rate, pricing down). */
    static final class Unpriced extends RuntimeException {
        final boolean unavailable;

        Unpriced(String message, boolean unavailable) {
            super(message);
            this.unavailable = unavailable;
        }
    }

    private record Key(String tenantId, String currency) {}

    private static final JsonMapper JSON = WireJson.MAPPER;

    private static final Logger log = LoggerFactory.getLogger(RateCards.class);

    // a dropped keep-alive connection or a pricing instance restarting should not refuse a call
    private final RetryTemplate retry = SignedCalls.retrying(IOException.class);
    private final SignedCalls pricing;
    private final Cache<Key, RateCard> cache;

    RateCards(ServiceProperties services, CallerHeaders callers, BudgetProperties properties) {
        this.pricing = new SignedCalls(services.pricing(), callers);
        Duration ttl = properties.rateCardTtl();
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfter(Expiry.<Key, RateCard>creating((key, card) ->
                        card.validUntil() == null ? ttl : min(ttl, Duration.between(Instant.now(), card.validUntil()))))
                .build();
    }

    private static Duration min(Duration a, Duration b) {
        return b.isNegative() ? Duration.ZERO : a.compareTo(b) <= 0 ? a : b;
    }

    /** The tenant's card in a currency, asked for as the calling key itself (pricing lets a tenant read its own). */
    RateCard card(Caller caller, String currency) {
        return cache.get(new Key(caller.tenantId(), currency), key -> fetch(caller, currency));
    }

    private RateCard fetch(Caller caller, String currency) {
        String query = "?currency=" + URLEncoder.encode(currency, StandardCharsets.UTF_8);
        HttpResponse<String> response;
        try {
            response = pricing.send(caller, "GET", RatingApi.RATE_CARD_PATH, query, null, retry);
        } catch (RetryException e) {
            log.warn(
                    "rate card of {} in {} not fetched: {}",
                    caller.tenantId(),
                    currency,
                    e.getCause() == null ? e : e.getCause().toString());
            throw new Unpriced("pricing could not be reached to price the call against the budget.", true);
        }
        if (response.statusCode() != 200) {
            boolean unavailable = response.statusCode() >= 500;
            String detail = "pricing answered " + response.statusCode();
            try {
                detail = JSON.readTree(response.body()).path("detail").asString(detail); // a problem detail says why
            } catch (RuntimeException notJson) {
                // keep the status
            }
            throw new Unpriced(detail, unavailable);
        }
        RatingApi.RateCard card = JSON.readValue(response.body(), RatingApi.RateCard.class);
        Map<String, BigDecimal> rates = new HashMap<>();
        for (RatingApi.MaxRate rate : card.rates()) {
            rates.put(
                    rate.model() + "|" + rate.region() + "|" + rate.tokenClass().wire(), rate.maxRatePerMillion());
        }
        return new RateCard(card.currency(), card.validUntil(), Map.copyOf(rates));
    }
}
