package io.tokenmeter.gateway.routing;

import io.tokenmeter.contracts.usage.UsageEventValidator;
import io.tokenmeter.gateway.routing.CatalogEntries.RouteEntry;
import io.tokenmeter.starter.web.InvalidField;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Every reason a catalog entry is not valid, all at once and each naming its field, so an admin fixes an entry in one
 * round. Whether a named upstream or credential exists is asked of the caller ({@code exists}).
 */
final class CatalogValidator {

    /** Upstream and credential names. */
    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    static final int MAX_ROUTES = 16;
    static final long MAX_OUTPUT_TOKENS = 10_000_000L;
    static final long MAX_CONNECT_TIMEOUT_MS = 60_000L;
    static final long MAX_TIMEOUT_MS = 3_600_000L;
    static final int MAX_SECRET_LENGTH = 4_096;

    private CatalogValidator() {}

    static List<InvalidField> model(
            String name, Long maxOutputTokens, List<RouteEntry> routes, Predicate<String> upstreams) {
        List<InvalidField> errors = new ArrayList<>();
        if (!UsageEventValidator.isIdentifier(name)) {
            errors.add(InvalidField.parameter(
                    "name", "identifier", "a model's name is 1-128 of letters, digits and ._:/@+- : " + name));
        }
        if (maxOutputTokens != null && (maxOutputTokens < 1 || maxOutputTokens > MAX_OUTPUT_TOKENS)) {
            errors.add(InvalidField.body(
                    "/max_output_tokens", "range", "max_output_tokens must be 1 to " + MAX_OUTPUT_TOKENS));
        }
        if (routes == null || routes.isEmpty()) {
            errors.add(InvalidField.body("/routes", "not-empty", "routes must list at least one route"));
            return errors;
        }
        if (routes.size() > MAX_ROUTES) {
            errors.add(InvalidField.body("/routes", "max-items", "routes lists at most " + MAX_ROUTES));
        }
        for (int i = 0; i < routes.size(); i++) {
            RouteEntry r = routes.get(i);
            String at = "/routes/" + i;
            if (r == null) {
                errors.add(InvalidField.body(at, "required", "routes[" + i + "] is null"));
                continue;
            }
            if (r.upstream() == null || !upstreams.test(r.upstream())) {
                errors.add(InvalidField.body(
                        at + "/upstream", "exists", "routes[" + i + "].upstream names no upstream: " + r.upstream()));
            }
            identifier(errors, at + "/provider", "routes[" + i + "].provider", r.provider());
            identifier(errors, at + "/region", "routes[" + i + "].region", r.region());
            if (r.upstreamModel() != null && !UsageEventValidator.isIdentifier(r.upstreamModel())) {
                errors.add(InvalidField.body(
                        at + "/upstream_model", "identifier", "routes[" + i + "].upstream_model is not an identifier"));
            }
        }
        return errors;
    }

    static List<InvalidField> upstream(
            String name,
            String baseUrl,
            String anthropicBaseUrl,
            String credential,
            Long connectTimeoutMs,
            Long timeoutMs,
            Predicate<String> credentials) {
        List<InvalidField> errors = new ArrayList<>();
        name(errors, name);
        if (baseUrl == null) {
            errors.add(InvalidField.body("/base_url", "required", "base_url is required"));
        } else {
            url(errors, "/base_url", "base_url", baseUrl);
        }
        if (anthropicBaseUrl != null) {
            url(errors, "/anthropic_base_url", "anthropic_base_url", anthropicBaseUrl);
        }
        if (credential != null && !credentials.test(credential)) {
            errors.add(
                    InvalidField.body("/credential", "exists", "credential names no stored credential: " + credential));
        }
        range(errors, "connect_timeout_ms", connectTimeoutMs, MAX_CONNECT_TIMEOUT_MS);
        range(errors, "timeout_ms", timeoutMs, MAX_TIMEOUT_MS);
        return errors;
    }

    static List<InvalidField> credential(String name, String secret) {
        List<InvalidField> errors = new ArrayList<>();
        name(errors, name);
        if (secret == null || secret.isBlank()) {
            errors.add(InvalidField.body("/secret", "required", "secret is required"));
        } else if (secret.length() > MAX_SECRET_LENGTH || !secret.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            // it goes into an HTTP header: printable ASCII only, so it cannot split the request
            errors.add(InvalidField.body(
                    "/secret",
                    "header-value",
                    "secret must be 1-" + MAX_SECRET_LENGTH + " printable ASCII characters"));
        }
        return errors;
    }

    static List<InvalidField> name(String name) {
        List<InvalidField> errors = new ArrayList<>();
        name(errors, name);
        return errors;
    }

    private static void name(List<InvalidField> errors, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            errors.add(InvalidField.parameter(
                    "name", "name", "a name is 1-64 of lower-case letters, digits and ._- : " + name));
        }
    }

    private static void identifier(List<InvalidField> errors, String pointer, String field, String value) {
        if (value == null || !UsageEventValidator.isIdentifier(value)) {
            errors.add(InvalidField.body(
                    pointer,
                    "identifier",
                    field + " is missing or not an identifier (1-128 of letters, digits and" + " ._:/@+-)"));
        }
    }

    private static void range(List<InvalidField> errors, String field, Long value, long max) {
        if (value != null && (value < 1 || value > max)) {
            errors.add(InvalidField.body("/" + field, "range", field + " must be 1 to " + max));
        }
    }

    private static void url(List<InvalidField> errors, String pointer, String field, String value) {
        try {
            URI uri = new URI(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    || uri.getHost() == null
                    || uri.getUserInfo() != null
                    || uri.getQuery() != null
                    || uri.getFragment() != null) {
                errors.add(InvalidField.body(
                        pointer,
                        "http-url",
                        field + " must be an http(s) URL with a host, no user, query or" + " fragment: " + value));
            }
        } catch (URISyntaxException e) {
            errors.add(InvalidField.body(pointer, "http-url", field + " is not a URL: " + e.getReason()));
        }
    }
}
