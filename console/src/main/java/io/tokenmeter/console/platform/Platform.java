package io.tokenmeter.console.platform;

import io.tokenmeter.starter.web.RequestIds;
import org.slf4j.MDC;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.RestClient;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.util.UriComponentsBuilder;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The public REST APIs, called through the gateway with the signed-in user's key (never a key of the console's own:
 * the console can do nothing its user could not do with curl). A refusal becomes a {@link PlatformException}
 * carrying the problem's fields and request id.
 */
@Component
public class Platform {

    /** A file the platform produced (PDF, CSV), passed on to the browser as it came. */
    public record Download(byte[] body, String contentType, String disposition) {}

    /** The gateway's {@code ClientAddresses.HEADER}. */
    static final String CLIENT_ADDRESS = "X-TokenMeter-Client-Address";

    private final RestClient rest;
    private final JsonMapper json;
    private final URI gateway;

    Platform(PlatformProperties properties, JsonMapper json) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(properties.timeout()).build();
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(http);
        factory.setReadTimeout(properties.timeout());
        this.rest = RestClient.builder().requestFactory(factory).build();
        // money stays exact: a decimal read as a double would turn 0.0000009 into 9.0E-7 and lose digits past 17
        this.json = json.rebuild()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .build();
        this.gateway = properties.gatewayUrl();
    }

    /** GET of a JSON resource; null or blank query values are left out, a collection becomes a repeated parameter. */
    public JsonNode get(String key, String path, Map<String, ?> query) {
        return exchange(key, HttpMethod.GET, uri(path, query), null);
    }

    public JsonNode post(String key, String path, Object body) {
        return exchange(key, HttpMethod.POST, uri(path, Map.of()), body);
    }

    /** A body sent as it is (a CSV file), with its media type. */
    public JsonNode postText(String key, String path, MediaType type, String text) {
        return read(rest.post()
                .uri(uri(path, Map.of()))
                .headers(h -> headers(h, key))
                .contentType(type)
                .body(text));
    }

    public JsonNode put(String key, String path, Object body) {
        return exchange(key, HttpMethod.PUT, uri(path, Map.of()), body);
    }

    public JsonNode delete(String key, String path) {
        return exchange(key, HttpMethod.DELETE, uri(path, Map.of()), null);
    }

    public Download download(String key, String path, Map<String, ?> query) {
        return rest.get().uri(uri(path, query)).headers(h -> headers(h, key)).exchange((request, response) -> {
            byte[] body = response.getBody().readAllBytes();
            if (response.getStatusCode().isError()) {
                throw refusal(response.getStatusCode().value(), response.getHeaders(), body);
            }
            MediaType type = response.getHeaders().getContentType();
            return new Download(
                    body,
                    type == null ? MediaType.APPLICATION_OCTET_STREAM_VALUE : type.toString(),
                    response.getHeaders().getFirst(HttpHeaders.CONTENT_DISPOSITION));
        });
    }

    private JsonNode exchange(String key, HttpMethod method, URI uri, Object body) {
        RestClient.RequestBodySpec spec = rest.method(method).uri(uri).headers(h -> headers(h, key));
        if (body != null) {
            spec.contentType(MediaType.APPLICATION_JSON).body(json.writeValueAsBytes(body));
        }
        return read(spec);
    }

    /** The answer as JSON (an empty object for no body), or the refusal as a {@link PlatformException}. */
    private JsonNode read(RestClient.RequestHeadersSpec<?> spec) {
        return spec.exchange((request, response) -> {
            byte[] bytes = response.getBody().readAllBytes();
            if (response.getStatusCode().isError()) {
                throw refusal(response.getStatusCode().value(), response.getHeaders(), bytes);
            }
            return bytes.length == 0 ? json.createObjectNode() : json.readTree(bytes);
        });
    }

    private static void headers(HttpHeaders headers, String key) {
        headers.setBearerAuth(key);
        headers.setAccept(List.of(MediaType.APPLICATION_JSON, MediaType.ALL));
        String requestId = MDC.get(RequestIds.MDC_KEY);
        if (requestId != null) {
            headers.set(RequestIds.HEADER, requestId); // one id from the browser's request to the service's log
        }
        // the gateway's stamp of the browser's address, sent back with it, so that bad keys typed here count against
        // the typist's address at the gateway's limiter, not against the console's and so every console user's
        String client = RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes
                ? attributes.getRequest().getHeader(CLIENT_ADDRESS)
                : null;
        if (client != null) {
            headers.set(CLIENT_ADDRESS, client);
        }
    }

    private URI uri(String path, Map<String, ?> query) {
        UriComponentsBuilder builder = UriComponentsBuilder.fromUri(gateway).path(path);
        query.forEach((name, value) -> {
            if (value instanceof Collection<?> values) {
                values.stream()
                        .filter(v -> v != null && !v.toString().isBlank())
                        .forEach(v -> builder.queryParam(name, v));
            } else if (value != null && !value.toString().isBlank()) {
                builder.queryParam(name, value);
            }
        });
        return builder.encode().build().toUri();
    }

    /** Problem details on /api (RFC 9457, with TokenMeter's {@code errors}); anything else kept as its text. */
    private PlatformException refusal(int status, HttpHeaders headers, byte[] body) {
        String requestId = headers.getFirst(RequestIds.HEADER);
        String title = "HTTP " + status;
        String detail = null;
        List<PlatformException.FieldProblem> fields = new ArrayList<>();
        try {
            JsonNode problem = json.readTree(body);
            title = text(problem, "title", title);
            detail = text(problem, "detail", null);
            requestId = text(problem, "request_id", requestId);
            for (JsonNode error : problem.path("errors")) {
                String field =
                        error.hasNonNull("pointer") ? error.get("pointer").asString() : text(error, "parameter", "");
                fields.add(
                        new PlatformException.FieldProblem(field, text(error, "rule", ""), text(error, "detail", "")));
            }
        } catch (RuntimeException notJson) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            detail = text.isEmpty() ? null : text.substring(0, Math.min(300, text.length()));
        }
        return new PlatformException(status, title, detail, fields, requestId);
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? fallback : value.asString();
    }
}
