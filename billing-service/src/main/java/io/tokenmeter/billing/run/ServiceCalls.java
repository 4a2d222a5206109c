package io.tokenmeter.billing.run;

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
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Billing's calls to metering (billable usage) and pricing (quotes), straight to the services, as the finance
 * role: the same signed caller header the gateway gives, made with the shared secret.
 */
@Component
class ServiceCalls {

    private static final Caller BILLING = new Caller("service:billing-runs", Role.FINANCE, null);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RunProperties properties;
    private final CallerHeaders callers;
    private final RestClient http = RestClient.builder().requestFactory(new JdkClientHttpRequestFactory()).build();

    ServiceCalls(RunProperties properties, CallerHeaders callers) {
        this.properties = properties;
        this.callers = callers;
    }

    /** The tenants with usage that occurred in [from, to) and was ingested in [ingestedFrom, ingestedBefore). */
    List<String> tenantsWithUsage(Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
        List<String> out = new ArrayList<>();
        get(metering("/api/v1/usage/billable/tenants", null, from, to, ingestedFrom, ingestedBefore)).forEach(t -> out.add(t.asString()));
        return out;
    }

    /** A tenant's billable usage, shaped like quote lines. */
    JsonNode billableUsage(String tenantId, Instant from, Instant to, Instant ingestedFrom, Instant ingestedBefore) {
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
                .queryParam("from", from).queryParam("to", to).queryParam("ingested_before", ingestedBefore);
        if (tenantId != null) {
            uri.queryParam("tenant_id", tenantId);
        }
        if (ingestedFrom != null) {
            uri.queryParam("ingested_from", ingestedFrom);
        }
        return uri.encode().build().toUri();
    }

    JsonNode quote(JsonNode request) {
        return call(() -> http.post().uri(UriComponentsBuilder.fromUri(properties.pricing()).path("/api/v1/rating/quote").build().toUri())
                .headers(this::sign).contentType(MediaType.APPLICATION_JSON).body(JSON.writeValueAsBytes(request))
                .retrieve().body(byte[].class));
    }

    private JsonNode get(URI uri) {
        return call(() -> http.get().uri(uri).headers(this::sign).retrieve().body(byte[].class));
    }

    private void sign(org.springframework.http.HttpHeaders headers) {
        String value = callers.encode(BILLING);
        headers.set(CallerHeaders.CALLER, value);
        headers.set(CallerHeaders.SIGNATURE, callers.sign(value));
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
        }
    }

    static final class ServiceCallException extends RuntimeException {
        ServiceCallException(String message) {
            super(message);
        }
    }
}
