package io.tokenmeter.billing.calls;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.rating.RatingApi;
import io.tokenmeter.contracts.rating.RatingApi.Bucket;
import io.tokenmeter.contracts.rating.RatingApi.Period;
import io.tokenmeter.contracts.rating.RatingApi.PricedLine;
import io.tokenmeter.contracts.rating.RatingApi.Quote;
import io.tokenmeter.contracts.rating.RatingApi.QuoteLine;
import io.tokenmeter.contracts.rating.RatingApi.QuoteRequest;
import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.contracts.usage.BillableUsage;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Billing's calls to metering (billable usage) and pricing (quotes), straight to the services, as the finance
 * role: the same signed caller header the gateway gives, made with the shared secret.
 */
@Component
public class ServiceCalls {

    private static final Caller BILLING =
            new Caller(io.tokenmeter.contracts.rating.InvoicedPeriodApi.BILLING_CALLER, Role.FINANCE, null);

    /** The width of the usage buckets billing quotes: metering's default, asked for explicitly. */
    static final int BUCKET_MINUTES = 30;

    private final ServiceCallProperties properties;
    private final CallerHeaders callers;
    private final RestClient http;
    private final JsonMapper json;

    ServiceCalls(ServiceCallProperties properties, CallerHeaders callers, JsonMapper json) {
        this.properties = properties;
        this.callers = callers;
        // a tolerant reader: a field metering or pricing leaves out reads as its default, as the JsonNode reading did
        this.json = json.rebuild()
                .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(java.net.http.HttpClient.newBuilder()
                .connectTimeout(properties.callTimeout())
                .build());
        requests.setReadTimeout(
                properties.callTimeout()); // a stalled metering or pricing fails the call, never hangs it
        this.http = RestClient.builder().requestFactory(requests).build();
    }

    /**
     * The tenants with usage that occurred in [from, to) and was ingested in [ingestedFrom, ingestedBefore);
     * {@code ingestedBefore} null: everything ingested so far (live).
     */
    public List<String> tenantsWithUsage(Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        return List.of(get(
                metering(BillableUsage.TENANTS_PATH, null, from, to, ingestedFrom, ingestedBefore), String[].class));
    }

    /**
     * A tenant's billable usage, shaped like quote lines; {@code ingestedBefore} null: everything ingested so far
     * (live).
     */
    public BillableUsage billableUsage(
            String tenantId, Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        return get(metering(BillableUsage.PATH, tenantId, from, to, ingestedFrom, ingestedBefore), BillableUsage.class);
    }

    /**
     * A tenant's billable usage ready to quote: its buckets also cut at each instant inside the period where its price
     * may change (pricing's price edges), since a quote prices a bucket by its start and refuses one across an edge.
     * Edges on the half-hour grid are cuts already and are not sent.
     */
    public BillableUsage usageToQuote(
            String tenantId, Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        List<String> cuts = priceEdges(tenantId, from, to).edges().stream()
                .map(RatingApi.PriceEdge::at)
                .filter(at -> at.getNano() != 0 || at.getEpochSecond() % (BUCKET_MINUTES * 60L) != 0)
                .map(Instant::toString)
                .toList();
        URI uri = UriComponentsBuilder.fromUri(
                        metering(BillableUsage.PATH, tenantId, from, to, ingestedFrom, ingestedBefore))
                .queryParam("bucket_minutes", BUCKET_MINUTES)
                .queryParamIfPresent(
                        "split_at",
                        cuts.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(String.join(",", cuts)))
                .encode()
                .build()
                .toUri();
        return get(uri, BillableUsage.class);
    }

    /** The instants inside [from, to) where the tenant's price may change, from pricing. */
    RatingApi.PriceEdges priceEdges(String tenantId, Instant from, Instant to) {
        return get(
                UriComponentsBuilder.fromUri(properties.pricing())
                        .path(RatingApi.PRICE_EDGES_PATH)
                        .queryParam("tenant_id", tenantId)
                        .queryParam("from", from)
                        .queryParam("to", to)
                        .encode()
                        .build()
                        .toUri(),
                RatingApi.PriceEdges.class);
    }

    /** A page of the events behind a billable line, as metering answers it (relayed to the caller as it is). */
    public JsonNode lineage(
            String tenantId,
            String model,
            String region,
            String tokenClass,
            Instant from,
            Instant to,
            Instant ingestedFrom,
            Instant ingestedBefore,
            String after,
            int limit) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromUri(
                        metering(BillableUsage.EVENTS_PATH, tenantId, from, to, ingestedFrom, ingestedBefore))
                .queryParam("model", model)
                .queryParam("region", region)
                .queryParam("token_class", tokenClass)
                .queryParam("limit", limit);
        if (after != null) {
            uri.queryParam("after", after);
        }
        return get(uri.encode().build().toUri(), JsonNode.class);
    }

    private URI metering(
            String path, String tenantId, Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromUri(properties.metering())
                .path(path)
                .queryParam("from", from)
                .queryParam("to", to);
        if (ingestedBefore != null) {
            uri.queryParam("ingested_before", ingestedBefore);
        }
        if (tenantId != null) {
            uri.queryParam("tenant_id", tenantId);
        }
        if (ingestedFrom != null) {
            uri.queryParam("ingested_from", ingestedFrom);
        }
        return uri.encode().build().toUri();
    }

    /** A line of a quote as billing reads it: {@code unpriced} says why it has no price, null when it has one. */
    public record QuotedLine(String model, String region, String tokenClass, String unpriced) {
        public static QuotedLine of(PricedLine line) {
            String tokenClass = line.tokenClass().wire();
            return new QuotedLine(
                    line.model(),
                    line.region(),
                    tokenClass,
                    line.priced()
                            ? null
                            : line.model() + " in " + line.region() + ", " + tokenClass + ": "
                                    + (line.reason() == null ? "no price" : line.reason()));
        }
    }

    /**
     * Prices billable usage lines (from {@link #billableUsage}) for a tenant and period, in a currency.
     *
     * @param alreadyInvoiced tokens per model/class already billed for the period; tiers continue after them
     */
    public Quote quoteUsage(
            String tenantId,
            Instant from,
            Instant to,
            String currency,
            List<BillableUsage.Line> usageLines,
            Map<String, Long> alreadyInvoiced) {
        List<QuoteLine> lines = new ArrayList<>();
        Map<String, Long> counted = new HashMap<>(alreadyInvoiced);
        for (BillableUsage.Line line : usageLines) {
            String key = line.model() + "/" + line.tokenClass();
            List<Bucket> buckets = line.buckets().stream()
                    .map(b -> new Bucket(b.from(), b.to(), b.tokens()))
                    .toList();
            // explicit where anything was invoiced, so it must include this quote's earlier lines too
            Long alreadyCounted = alreadyInvoiced.isEmpty() ? null : counted.getOrDefault(key, 0L);
            lines.add(new QuoteLine(
                    line.model(),
                    line.region(),
                    TokenClass.fromWire(line.tokenClass()),
                    null,
                    null,
                    buckets,
                    alreadyCounted));
            counted.merge(key, line.tokens(), Long::sum);
        }
        return quote(new QuoteRequest(tenantId, new Period(from, to), currency, lines));
    }

    /**
     * What providers charge us for these lines, by pricing's default cost book, converted to {@code currency}; tiers
     * count across the lines of one model and class.
     */
    public Quote costQuote(Instant from, Instant to, String currency, List<QuoteLine> lines) {
        return quote(new QuoteRequest(null, new Period(from, to), currency, lines, "cost"));
    }

    /** How many {@code to} one {@code from} was on {@code date}, by pricing's published rates (cross rates too). */
    public java.math.BigDecimal fxRate(String from, String to, java.time.LocalDate date) {
        if (from.equals(to)) {
            return java.math.BigDecimal.ONE;
        }
        URI uri = UriComponentsBuilder.fromUri(properties.pricing())
                .path("/api/v1/fx/convert")
                .queryParam("from", from)
                .queryParam("to", to)
                .queryParam("date", date)
                .queryParam("amount", 1)
                .encode()
                .build()
                .toUri();
        return get(uri, JsonNode.class).get("rate").decimalValue();
    }

    /**
     * Tells pricing of an invoice about to be issued (inside the issuing transaction), so no back-dated price reaches
     * its period from now on; a {@link ServiceCallException} with status 409 when its prices changed after the
     * draft was priced.
     */
    public void recordInvoicedPeriod(io.tokenmeter.contracts.rating.InvoicedPeriodApi.InvoicedPeriod invoice) {
        URI uri = UriComponentsBuilder.fromUri(properties.pricing())
                .path(io.tokenmeter.contracts.rating.InvoicedPeriodApi.PATH)
                .build()
                .toUri();
        byte[] body = json.writeValueAsBytes(invoice);
        failuresExplained(() -> http.post()
                .uri(uri)
                .headers(h -> sign(h, "POST", uri, body))
                .contentType(MediaType.APPLICATION_JSON)
                .body(body)
                .retrieve()
                .toBodilessEntity());
    }

    Quote quote(QuoteRequest request) {
        URI uri = UriComponentsBuilder.fromUri(properties.pricing())
                .path(RatingApi.QUOTE_PATH)
                .build()
                .toUri();
        byte[] body = json.writeValueAsBytes(request);
        return call(
                () -> http.post()
                        .uri(uri)
                        .headers(h -> sign(h, "POST", uri, body))
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(body)
                        .retrieve()
                        .body(byte[].class),
                Quote.class);
    }

    private <T> T get(URI uri, Class<T> type) {
        return call(
                () -> http.get()
                        .uri(uri)
                        .headers(h -> sign(h, "GET", uri, null))
                        .retrieve()
                        .body(byte[].class),
                type);
    }
    /**
     * Billing signs as itself, with its own key, for this request only; the services accept it as finance and nothing
     * more.
     */
    private void sign(org.springframework.http.HttpHeaders headers, String method, URI uri, byte[] body) {
        CallerHeaders.Signed signed = callers.sign(BILLING, method, uri.getRawPath(), body);
        headers.set(CallerHeaders.CALLER, signed.caller());
        headers.set(CallerHeaders.SIGNATURE, signed.signature());
    }

    private <T> T call(java.util.function.Supplier<byte[]> request, Class<T> type) {
        return json.readValue(failuresExplained(request), type);
    }

    /** Runs a request, turning its failure into a {@link ServiceCallException} that says why. */
    private <T> T failuresExplained(java.util.function.Supplier<T> request) {
        try {
            return request.get();
        } catch (RestClientResponseException e) {
            // a problem detail says why (a missing FX rate names the pair and date): that is the tenant's error
            String detail = e.getResponseBodyAsString();
            try {
                detail = json.readTree(detail).path("detail").asString(detail);
            } catch (RuntimeException notJson) {
                // keep the body as it came
            }
            throw new ServiceCallException(
                    e.getStatusCode().value(), e.getStatusCode().value() + " " + detail);
        } catch (org.springframework.web.client.ResourceAccessException e) {
            // unreachable or stalled past the call timeout: the tenant fails and is retried alone later
            throw new ServiceCallException(
                    0,
                    "no answer from metering or pricing: "
                            + org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e));
        }
    }

    public static final class ServiceCallException extends RuntimeException {
        private final int status;

        /** @param status the HTTP status the service answered, 0 when it did not answer */
        ServiceCallException(int status, String message) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }
}
