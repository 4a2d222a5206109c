package io.tokenmeter.testsupport;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every TokenMeter service must offer, checked the same way for each: extend it from a
 * {@code @SpringBootTest(webEnvironment = RANDOM_PORT)} class of the service.
 */
public abstract class ServiceEssentialsContract {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    Environment environment;

    /**
     * The {@code Authorization} header a Prometheus scraper sends to this service; null where metrics are served on a
     * port only the platform reaches (the services behind the gateway).
     */
    protected String metricsAuthorization() {
        return null;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, null);
    }

    protected HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://localhost:" + environment.getProperty("local.server.port") + path))
                .header("X-Request-Id", "req-from-the-caller-42");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void exposesHealthPrometheusMetricsAndOpenApi() throws Exception {
        assertThat(get("/actuator/health").body()).contains("\"UP\"");
        assertThat(get("/actuator/prometheus", metricsAuthorization()).body()).contains("jvm_memory_used_bytes");
        assertThat(get("/v3/api-docs").body()).contains("\"openapi\"");
    }

    /** The documented property names are those on the wire: snake_case, as the service's JSON mapper writes them. */
    @Test
    void documentsPropertiesAsTheWireNamesThem() throws Exception {
        tools.jackson.databind.JsonNode schemas = new tools.jackson.databind.json.JsonMapper()
                .readTree(get("/v3/api-docs").body())
                .path("components")
                .path("schemas");
        java.util.List<String> camelCase = new java.util.ArrayList<>();
        java.util.Set<String> names = new java.util.TreeSet<>();
        for (var schema : schemas.properties()) {
            for (String property : schema.getValue().path("properties").propertyNames()) {
                names.add(property);
                if (!property.equals(property.toLowerCase(java.util.Locale.ROOT))) {
                    camelCase.add(schema.getKey() + "." + property);
                }
            }
        }
        assertThat(names).as("documented properties").isNotEmpty();
        assertThat(camelCase).as("properties not in snake_case").isEmpty();
    }

    @Test
    void refusesApiCallsWithoutCredentialsWithProblemDetails() throws Exception {
        HttpResponse<String> response = get("/api/v1/anything");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(response.body()).contains("https://tokenmeter.io/problems/unauthenticated");
    }

    @Test
    void keepsTheCallersRequestId() throws Exception {
        assertThat(get("/actuator/health").headers().firstValue("X-Request-Id")).hasValue("req-from-the-caller-42");
    }
}
