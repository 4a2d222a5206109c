package io.tokenmeter.gateway.chat;

import io.tokenmeter.contracts.web.RequestIds;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
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

    HttpResponse<byte[]> send(ResolvedRoute route, byte[] body, String requestId) throws IOException, InterruptedException {
        return client(route.connectTimeout()).send(request(route, body, requestId, "application/json"), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** Returns once the upstream's status and headers are in; the body is read as it streams. */
    HttpResponse<InputStream> stream(ResolvedRoute route, byte[] body, String requestId) throws IOException, InterruptedException {
        return client(route.connectTimeout()).send(request(route, body, requestId, "text/event-stream"), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static HttpRequest request(ResolvedRoute route, byte[] body, String requestId, String accept) {
        return HttpRequest.newBuilder(route.chatCompletionsUri())
                .timeout(route.timeout())
                .header("Content-Type", "application/json")
                .header("Accept", accept)
                .header("Authorization", "Bearer " + route.apiKey())
                .header(RequestIds.HEADER, requestId)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
    }

    private HttpClient client(Duration connectTimeout) {
        return clients.computeIfAbsent(connectTimeout, t -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(t)
                .executor(Executors.newVirtualThreadPerTaskExecutor())
                .build());
    }
}
