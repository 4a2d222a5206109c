package io.tokenmeter.pricing;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The service runs with health, Prometheus metrics and OpenAPI, and refuses /api calls that bypass the gateway. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tokenmeter.internal.secret=test-internal-secret-0123456789")
class PricingApplicationTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    Environment environment;

    private HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + environment.getProperty("local.server.port") + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void exposesHealthMetricsAndOpenApi() throws Exception {
        assertThat(get("/actuator/health").body()).contains("\"UP\"");
        assertThat(get("/actuator/prometheus").body()).contains("jvm_memory_used_bytes");
        assertThat(get("/v3/api-docs").body()).contains("\"openapi\"");
    }

    @Test
    void refusesApiCallsWithoutASignedCaller() throws Exception {
        HttpResponse<String> response = get("/api/v1/anything");
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
    }
}
