package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.starter.web.RequestIds;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;

/** Sends a request to an upstream provider over HTTP/1.1 keep-alive connections. */
@Component
class UpstreamClient {

    /** One client per connect timeout; clients pool connections, so they are shared. */
    private final ConcurrentHashMap<Duration, HttpClient> clients = new ConcurrentHashMap<>();

    HttpResponse<byte[]> send(ModelApi api, ResolvedRoute route, byte[] body, String requestId)
            throws IOException, InterruptedException {
        return client(route.connectTimeout())
                .send(
                        request(api, route, body, requestId, "application/json"),
                        HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Returns once the upstream's status and headers are in; the body is read as it streams. */
    HttpResponse<InputStream> stream(ModelApi api, ResolvedRoute route, byte[] body, String requestId)
            throws IOException, InterruptedException {
        return client(route.connectTimeout())
                .send(
                        request(api, route, body, requestId, "text/event-stream"),
                        HttpResponse.BodyHandlers.ofInputStream());
    }

    private static HttpRequest request(
            ModelApi api, ResolvedRoute route, byte[] body, String requestId, String accept) {
        HttpRequest.Builder request = HttpRequest.newBuilder(api.endpoint(route))
                .timeout(route.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .header(RequestIds.HEADER, requestId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        api.authenticate(request, route);
        return request.build();
    }

    private HttpClient client(Duration connectTimeout) {
        return clients.computeIfAbsent(
                connectTimeout,
                t -> HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(t)
                        .executor(Executors.newVirtualThreadPerTaskExecutor())
                        .build());
    }
}
