package io.tokenmeter.gateway.routing;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.gateway.proxy.ServiceProperties;
import io.tokenmeter.gateway.proxy.SignedCalls;
import io.tokenmeter.gateway.routing.CatalogEntries.ModelEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.RouteEntry;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryTemplate;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Warns an admin of routes no sell price covers: a model served in a region that no sell book's current or coming
 * version rates. Its calls would still be served and metered, but carry no cost and stay unpriced until a price is
 * added, so the catalog accepts the route and says so. Asked of pricing as the admin, only on catalog requests.
 */
@Component
class PriceCoverage {

    private final RetryTemplate retry = SignedCalls.retrying(IOException.class);
    private final SignedCalls pricing;

    PriceCoverage(ServiceProperties services, CallerHeaders callers) {
        this.pricing = new SignedCalls(services.pricing(), callers);
    }

    List<String> warnings(Caller admin, List<ModelEntry> models) {
        Set<String> priced;
        try {
            priced = pricedModelsAndRegions(admin);
        } catch (RetryException | IllegalStateException e) {
            return List.of("prices could not be checked (pricing: " + reason(e) + ")");
        }
        List<String> warnings = new ArrayList<>();
        for (ModelEntry model : models) {
            for (RouteEntry route : model.routes()) {
                if (!priced.contains(model.name() + "|" + route.region())) {
                    warnings.add("no sell price book rates " + model.name() + " in " + route.region()
                            + ", now or from a coming version: calls served there carry no cost and stay unpriced"
                            + " until a price is added");
                }
            }
        }
        return List.copyOf(new LinkedHashSet<>(warnings));
    }

    /** model|region of every rate in a sell book's version in force now or taking effect later. */
    private Set<String> pricedModelsAndRegions(Caller admin) throws RetryException {
        Set<String> priced = new HashSet<>();
        Instant now = Instant.now();
        for (JsonNode book : get(admin, "/api/v1/pricing/books")) {
            if (!"sell".equals(book.path("purpose").asString())) {
                continue;
            }
            String versions = "/api/v1/pricing/books/"
                    + URLEncoder.encode(book.path("id").asString(), StandardCharsets.UTF_8) + "/versions";
            for (JsonNode version : get(admin, versions)) {
                JsonNode from = version.path("effective_from");
                boolean current = version.path("in_effect").asBoolean(false)
                        || (from.isString() && Instant.parse(from.asString()).isAfter(now));
                if (current) {
                    for (JsonNode rate : version.path("rates")) {
                        priced.add(rate.path("model").asString() + "|"
                                + rate.path("region").asString());
                    }
                }
            }
        }
        return priced;
    }

    private JsonNode get(Caller admin, String path) throws RetryException {
        HttpResponse<String> response = pricing.send(admin, "GET", path, "", null, retry);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode() + " for " + path);
        }
        return WireJson.MAPPER.readTree(response.body());
    }

    private static String reason(Exception e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
