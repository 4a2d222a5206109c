package io.tokenmeter.testsupport;

import io.tokenmeter.contracts.identity.Caller;
import org.springframework.core.env.Environment;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * HTTP calls to a service under test: the one a Spring Boot test started on a random port, or any base URL. The
 * gateway is called with an API key as bearer token; a service behind it with the signed caller headers the gateway
 * would send ({@link SignedCalls}).
 */
public final class LocalServer {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final String base;

    private LocalServer(String base) {
        this.base = base;
    }

    /** The server of this Spring Boot test ({@code local.server.port}). */
    public static LocalServer of(Environment environment) {
        return at("http://localhost:" + environment.getProperty("local.server.port"));
    }

    public static LocalServer at(String base) {
        return new LocalServer(base);
    }

    public String base() {
        return base;
    }

    /** {@code method path} with {@code key} as bearer token (none when null), {@code body} as JSON (none when null). */
    public HttpResponse<String> withKey(String method, String path, String key, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> get(String path, String key) throws IOException, InterruptedException {
        return withKey("GET", path, key, null);
    }

    public HttpResponse<String> post(String path, String key, String body) throws IOException, InterruptedException {
        return withKey("POST", path, key, body);
    }

    /** {@code method path} signed as the gateway signs it for {@code caller}, with {@code body} as JSON. */
    public HttpResponse<String> signed(String method, String path, Caller caller, String body)
            throws IOException, InterruptedException {
        return signed(method, path, caller, body, "application/json");
    }

    public HttpResponse<String> signed(String method, String path, Caller caller, String body, String contentType)
            throws IOException, InterruptedException {
        return HTTP.send(
                SignedCalls.request(base, method, path, caller, body, contentType),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The body of {@code /actuator/health}. */
    public String health() throws IOException, InterruptedException {
        return get("/actuator/health", null).body();
    }
}
