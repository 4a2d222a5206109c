package io.tokenmeter.gateway.prices;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.rating.RatingApi;
import io.tokenmeter.gateway.proxy.ServiceProperties;
import io.tokenmeter.gateway.proxy.SignedCalls;
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
 * Tenants' rate cards from pricing, in a currency: the most a token of each model, region and class can cost until
 * the card's validity (budgets reserve with it) and what it costs now (each call's cost is shown with it). Kept per
 * tenant and currency until the card's own validity (the next version, contract, FX day or off-peak edge) or the
 * configured TTL, whichever ends first: the per-call path asks pricing about once a minute per tenant, not once a call.
 */
@Component
public class RateCards {

    /**
     * Rates per 1,000,000 tokens by model, region and token class ({@code input}, {@code output}, ...): the most a
     * token can cost while the card is valid, and what the first token of a call costs now.
     */
    public record RateCard(
            String currency,
            Instant validUntil,
            String priceBookId,
            Integer priceBookVersion,
            boolean offPeak,
            Map<String, BigDecimal> rates,
            Map<String, BigDecimal> ratesNow) {

        /** A card of maximum rates alone (the tests of budgets need no more). */
        public RateCard(String currency, Instant validUntil, Map<String, BigDecimal> rates) {
            this(currency, validUntil, null, null, false, rates, Map.of());
        }

        /** The most a token of this class can cost while the card is valid; null when it has no price. */
        public BigDecimal rate(String model, String region, String tokenClass) {
            return rates.get(key(model, region, tokenClass));
        }

        /** What a token of this class costs now; null when it has no price. */
        public BigDecimal rateNow(String model, String region, String tokenClass) {
            return ratesNow.get(key(model, region, tokenClass));
        }

        private static String key(String model, String region, String tokenClass) {
            return model + "|" + region + "|" + tokenClass;
        }
    }

    /** Pricing could not say what a token costs this tenant (no price book in force, no FX rate, pricing down). */
    public static final class Unpriced extends RuntimeException {
        private final boolean unavailable;

        public Unpriced(String message, boolean unavailable) {
            super(message);
            this.unavailable = unavailable;
        }

        /** Whether pricing could not be reached (worth a retry), rather than having no price. */
        public boolean unavailable() {
            return unavailable;
        }
    }

    private record Key(String tenantId, String currency) {}

    /** What pricing said: a card, or why there is none (kept too, for a while, when pricing has no price). */
    private record Fetched(RateCard card, Unpriced unpriced) {}

    private static final JsonMapper JSON = WireJson.MAPPER;

    private static final Logger log = LoggerFactory.getLogger(RateCards.class);

    // a dropped keep-alive connection or a pricing instance restarting should not refuse a call
    private final RetryTemplate retry = SignedCalls.retrying(IOException.class);
    private final SignedCalls pricing;
    private final Cache<Key, Fetched> cache;

    RateCards(ServiceProperties services, CallerHeaders callers, PriceProperties properties) {
        this.pricing = new SignedCalls(services.pricing(), callers);
        Duration ttl = properties.rateCardTtl();
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfter(Expiry.<Key, Fetched>creating((key, fetched) -> fetched.card() == null
                        ? min(ttl, properties.unpricedTtl())
                        : fetched.card().validUntil() == null
                                ? ttl
                                : min(
                                        ttl,
                                        Duration.between(
                                                Instant.now(), fetched.card().validUntil()))))
                .build();
    }

    private static Duration min(Duration a, Duration b) {
        return b.isNegative() ? Duration.ZERO : a.compareTo(b) <= 0 ? a : b;
    }

    /** The tenant's card in a currency, asked for as the calling key itself (pricing lets a tenant read its own). */
    public RateCard card(Caller caller, String currency) {
        Fetched fetched = cache.get(new Key(caller.tenantId(), currency), key -> {
            try {
                return new Fetched(fetch(caller, currency), null);
            } catch (Unpriced unpriced) {
                if (unpriced.unavailable()) {
                    throw unpriced; // pricing down: the next call asks again
                }
                return new Fetched(null, unpriced);
            }
        });
        if (fetched.card() == null) {
            throw new Unpriced(fetched.unpriced().getMessage(), false);
        }
        return fetched.card();
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
            throw new Unpriced("pricing could not be reached to price the call.", true);
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
        Map<String, BigDecimal> ratesNow = new HashMap<>();
        for (RatingApi.MaxRate rate : card.rates()) {
            String key =
                    rate.model() + "|" + rate.region() + "|" + rate.tokenClass().wire();
            rates.put(key, rate.maxRatePerMillion());
            if (rate.ratePerMillionNow() != null) {
                ratesNow.put(key, rate.ratePerMillionNow());
            }
        }
        return new RateCard(
                card.currency(),
                card.validUntil(),
                card.priceBookId(),
                card.priceBookVersion(),
                Boolean.TRUE.equals(card.offPeak()),
                Map.copyOf(rates),
                Map.copyOf(ratesNow));
    }
}
