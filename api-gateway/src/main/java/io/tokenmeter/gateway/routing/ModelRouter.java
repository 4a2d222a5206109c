package io.tokenmeter.gateway.routing;

import org.springframework.stereotype.Component;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Resolves a public model name to the upstream routes that serve it, checked once at start. */
@Component
public class ModelRouter {

    /**
     * One way to serve a model: where to send it, and what to bill it as. {@code messagesUri} is the upstream's
     * Anthropic Messages endpoint, {@code null} when it has none.
     */
    public record ResolvedRoute(
            String model,
            String provider,
            String region,
            String upstreamModel,
            URI chatCompletionsUri,
            URI messagesUri,
            String apiKey,
            Duration connectTimeout,
            Duration timeout,
            Long maxOutputTokens) {
        @Override
        public String toString() {
            return "ResolvedRoute[" + model + " via " + provider + " in " + region + "]";
        }
    }

    private final Map<String, List<ResolvedRoute>> routes = new HashMap<>();

    ModelRouter(RoutingProperties properties) {
        for (RoutingProperties.Model model : properties.models()) {
            List<ResolvedRoute> resolved = model.routes().stream()
                    .map(r -> {
                        RoutingProperties.Upstream upstream =
                                properties.upstreams().get(r.upstream());
                        if (upstream == null) {
                            throw new IllegalStateException(
                                    "model " + model.name() + " names unknown upstream " + r.upstream());
                        }
                        return new ResolvedRoute(
                                model.name(),
                                r.provider(),
                                r.region(),
                                r.upstreamModel() == null ? model.name() : r.upstreamModel(),
                                under(upstream.baseUrl(), "/chat/completions"),
                                upstream.anthropicBaseUrl() == null
                                        ? null
                                        : under(upstream.anthropicBaseUrl(), "/v1/messages"),
                                upstream.apiKey(),
                                upstream.connectTimeout(),
                                upstream.timeout(),
                                model.maxOutputTokens());
                    })
                    .toList();
            if (resolved.isEmpty()) {
                throw new IllegalStateException("model " + model.name() + " has no routes");
            }
            routes.put(model.name(), resolved);
        }
    }

    private static URI under(URI base, String path) {
        return URI.create(base.toString().replaceAll("/+$", "") + path);
    }

    /** The model's routes in priority order; empty when the model is unknown. */
    public List<ResolvedRoute> routes(String model) {
        return routes.getOrDefault(model, List.of());
    }

    public Map<String, List<ResolvedRoute>> all() {
        return Map.copyOf(routes);
    }
}
