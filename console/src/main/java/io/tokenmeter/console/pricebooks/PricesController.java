package io.tokenmeter.console.pricebooks;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.platform.PlatformException;
import io.tokenmeter.console.session.ConsoleSession;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A tenant's prices: those in force now (book, version, contract) and a quote for an hour of tokens, in the
 * tenant's currency, with the version and tiers that priced it.
 */
@Controller
class PricesController {

    private final Platform platform;
    private final ConsoleSession session;

    PricesController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/prices")
    String prices(@RequestParam(name = "tenant_id", required = false) String tenantId, Model model) {
        String tenant = session.user().tenantShown(tenantId);
        model.addAttribute("tenantId", tenant);
        if (tenant == null) {
            return "prices";
        }
        Map<String, Object> query = new HashMap<>();
        query.put("tenant_id", session.user().tenantParameter(tenantId));
        model.addAttribute("prices", platform.get(session.key(), "/api/v1/rating/prices", query));
        model.addAttribute(
                "hour",
                LocalDateTime.ofInstant(Instant.now().truncatedTo(ChronoUnit.HOURS), ZoneOffset.UTC)
                        .toString());
        return "prices";
    }

    @PostMapping("/console/prices/quote")
    String quote(
            @RequestParam(name = "tenant_id", required = false) String tenantId,
            @RequestParam(defaultValue = "") String model,
            @RequestParam(defaultValue = "") String region,
            @RequestParam(name = "token_class", defaultValue = "input") String tokenClass,
            @RequestParam(defaultValue = "") String tokens,
            @RequestParam(defaultValue = "") String hour,
            Model page) {
        String tenant = session.user().tenantShown(tenantId);
        prices(tenantId, page);
        page.addAttribute("q", Map.of("model", model, "region", region, "token_class", tokenClass, "tokens", tokens));
        page.addAttribute("hour", hour);
        Map<String, String> errors = new HashMap<>();
        Instant from = null;
        long count = 0;
        try {
            from = LocalDateTime.parse(hour.strip()).toInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS);
        } catch (DateTimeParseException e) {
            errors.put("hour", "A date and hour in UTC, such as 2027-01-01T10:00.");
        }
        try {
            count = Long.parseLong(tokens.strip().replace(",", ""));
        } catch (NumberFormatException e) {
            errors.put("tokens", "A whole number of tokens.");
        }
        if (!errors.isEmpty() || tenant == null) {
            page.addAttribute("quoteErrors", errors);
            return "prices";
        }
        Instant to = from.plus(1, ChronoUnit.HOURS);
        // the API refuses a bucket across a price edge (an off-peak start, a new version): the hour is cut there
        Map<String, Object> edgeQuery = new HashMap<>();
        edgeQuery.put("tenant_id", tenant);
        edgeQuery.put("from", from);
        edgeQuery.put("to", to);
        List<Instant> edges = new java.util.ArrayList<>();
        platform.get(session.key(), "/api/v1/rating/price-edges", edgeQuery)
                .path("edges")
                .forEach(e -> edges.add(Instant.parse(e.path("at").asString())));
        Map<String, Object> body = new HashMap<>();
        if (session.user().currency() != null) {
            body.put("currency", session.user().currency()); // quoted in the tenant's own currency
        }
        body.putAll(Map.of(
                "tenant_id", tenant,
                "period", Map.of("from", from.toString(), "to", to.toString()),
                "lines",
                        List.of(Map.of(
                                "model", model.strip(),
                                "region", region.strip(),
                                "token_class", tokenClass,
                                "buckets", EvenBuckets.of(from, to, edges, count)))));
        try {
            page.addAttribute("quote", platform.post(session.key(), "/api/v1/rating/quote", body));
        } catch (PlatformException e) {
            if (!e.correctable()) {
                throw e;
            }
            page.addAttribute("quoteFailure", e.plain());
            page.addAttribute("quoteErrors", e.byField());
        }
        return "prices";
    }
}
