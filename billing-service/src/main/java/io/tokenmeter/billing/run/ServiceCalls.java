package io.tokenmeter.billing.run;

import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.identity.Role;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientResponseException;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
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

    private static final Caller BILLING = new Caller("service:billing-runs", Role.FINANCE, null);
    private static final JsonMapper JSON = WireJson.MAPPER;

    private final RunProperties properties;
    private final CallerHeaders callers;
    private final RestClient http;

    ServiceCalls(RunProperties properties, CallerHeaders callers) {
        this.properties = properties;
        this.callers = callers;
        JdkClientHttpRequestFactory requests = new JdkClientHttpRequestFactory(
                java.net.http.HttpClient.newBuilder().connectTimeout(properties.callTimeout()).build());
        requests.setReadTimeout(properties.callTimeout()); // a stalled metering or pricing fails the call, never hangs it
        this.http = RestClient.builder().requestFactory(requests).build();
    }

    /** The tenants with usage that occurred in [from, to) and was ingested in [ingestedFrom, ingestedBefore). */
    List<String> tenantsWithUsage(Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        List<String> out = new ArrayList<>();
        get(metering("/api/v1/usage/billable/tenants", null, from, to, ingestedFrom, ingestedBefore)).forEach(t -> out.add(t.asString()));
        return out;
    }

    /** A tenant's billable usage, shaped like quote lines; {@code ingestedBefore} null: everything ingested so far (live). */
    public JsonNode billableUsage(String tenantId, Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        return get(metering("/api/v1/usage/billable", tenantId, from, to, ingestedFrom, ingestedBefore));
    }

    /** A page of the events behind a billable line. */
    JsonNode lineage(String tenantId, String model, String region, String tokenClass, Instant from, Instant to, Instant ingestedFrom,
                     Instant ingestedBefore, String after, int limit) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromUri(metering("/api/v1/usage/billable/events", tenantId, from, to, ingestedFrom,
                ingestedBefore)).queryParam("model", model).queryParam("region", region).queryParam("token_class", tokenClass)
                .queryParam("limit", limit);
        if (after != null) {
            uri.queryParam("after", after);
        }
        return get(uri.encode().build().toUri());
    }

    private URI metering(String path, String tenantId, Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        UriComponentsBuilder uri = UriComponentsBuilder.fromUri(properties.metering()).path(path)
                .queryParam("from", from).queryParam("to", to);
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
        public static QuotedLine of(JsonNode line) {
            String model = line.path("model").asString();
            String region = line.path("region").asString();
            String tokenClass = line.path("token_class").asString().toLowerCase();
            return new QuotedLine(model, region, tokenClass, line.path("priced").asBoolean(false) ? null
                    : model + " in " + region + ", " + tokenClass + ": " + line.path("reason").asString("no price"));
        }
    }

    /**
     * Prices billable usage lines (from {@link #billableUsage}) for a tenant and period, in a currency.
     *
     * @param alreadyInvoiced tokens per model/class already billed for the period; tiers continue after them
     */
    public JsonNode quoteUsage(String tenantId, Instant from, Instant to, String currency, JsonNode usageLines,
                               Map<String, Long> alreadyInvoiced) {
        ObjectNode request = JSON.createObjectNode().put("tenant_id", tenantId).put("currency", currency);
        request.putObject("period").put("from", from.toString()).put("to", to.toString());
        ArrayNode lines = request.putArray("lines");
        Map<String, Long> counted = new HashMap<>(alreadyInvoiced);
        for (JsonNode line : usageLines) {
            String key = line.path("model").asString() + "/" + line.path("token_class").asString();
            ObjectNode quoted = lines.addObject().put("model", line.path("model").asString()).put("region", line.path("region").asString())
                    .put("token_class", line.path("token_class").asString());
            quoted.set("buckets", line.path("buckets"));
            if (!alreadyInvoiced.isEmpty()) { // explicit, so it must include this quote's earlier lines too
                quoted.put("already_counted", counted.getOrDefault(key, 0L));
            }
            counted.merge(key, line.path("tokens").asLong(), Long::sum);
        }
        return quote(request);
    }

    JsonNode quote(JsonNode request) {
        URI uri = UriComponentsBuilder.fromUri(properties.pricing()).path("/api/v1/rating/quote").build().toUri();
        byte[] body = JSON.writeValueAsBytes(request);
        return call(() -> http.post().uri(uri).headers(h -> sign(h, "POST", uri, body)).contentType(MediaType.APPLICATION_JSON).body(body)
                .retrieve().body(byte[].class));
    }

    private JsonNode get(URI uri) {
        return call(() -> http.get().uri(uri).headers(h -> sign(h, "GET", uri, null)).retrieve().body(byte[].class));
    }

    /** Billing signs as itself, with its own key, for this request only; the services accept it as finance and nothing more. */
    private void sign(org.springframework.http.HttpHeaders headers, String method, URI uri, byte[] body) {
        CallerHeaders.Signed signed = callers.sign(BILLING, method, uri.getRawPath(), body);
        headers.set(CallerHeaders.CALLER, signed.caller());
        headers.set(CallerHeaders.SIGNATURE, signed.signature());
    }

    private static JsonNode call(java.util.function.Supplier<byte[]> request) {
        try {
            return JSON.readTree(request.get());
        } catch (RestClientResponseException e) {
            // a problem detail says why (a missing FX rate names the pair and date): that is the tenant's error
            String detail = e.getResponseBodyAsString();
            try {
                detail = JSON.readTree(detail).path("detail").asString(detail);
            } catch (RuntimeException notJson) {
                // keep the body as it came
            }
            throw new ServiceCallException(e.getStatusCode().value() + " " + detail);
        } catch (org.springframework.web.client.ResourceAccessException e) {
            // unreachable or stalled past the call timeout: the tenant fails and is retried alone later
            throw new ServiceCallException("no answer from metering or pricing: " + org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e));
        }
    }

    public static final class ServiceCallException extends RuntimeException {
        ServiceCallException(String message) {
            super(message);
        }
    }
}
