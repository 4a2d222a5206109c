package io.tokenmeter.gateway.routing;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.gateway.routing.CatalogEntries.ModelEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.Snapshot;
import io.tokenmeter.gateway.routing.CatalogEntries.UpstreamEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves a public model name to the upstream routes that serve it, from the live model catalog: seeded from the
 * routing configuration at start, then re-read whenever the catalog's revision moves (polled every
 * {@code refresh-every}, and at once after a change made through this instance). A call sees one whole revision,
 * never half of a change.
 */
@Component
public class ModelRouter {

    private static final Logger log = LoggerFactory.getLogger(ModelRouter.class);
    private static final Duration QUIET = Duration.ofMinutes(1);

    /**
     * One way to serve a model: where to send it, and what to bill it as. {@code messagesUri} is the upstream's
     * Anthropic Messages endpoint, {@code null} when it has none; {@code apiKey} is null for an upstream without a
     * credential.
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

    private record Routes(long revision, Map<String, List<ResolvedRoute>> byModel) {}

    private final CatalogStore store;
    private volatile Routes current;
    private volatile Instant quietUntil = Instant.MIN;

    ModelRouter(CatalogStore store, CatalogSeed seed, RoutingProperties configuration, MeterRegistry meters) {
        this.store = store;
        seed.apply(configuration);
        this.current = resolve(store.load());
        log.info(
                "model catalog at revision {}: {} models",
                current.revision(),
                current.byModel().size());
        Gauge.builder("tokenmeter.gateway.catalog.revision", this, r -> r.current.revision())
                .description("The model catalog revision this instance routes by")
                .register(meters);
    }

    /** Re-reads the catalog if its revision moved; a database outage keeps the routes this instance has. */
    @Scheduled(fixedDelayString = "${tokenmeter.gateway.catalog.refresh-every:2s}")
    void poll() {
        try {
            if (store.revision() != current.revision()) {
                refresh();
            }
        } catch (RuntimeException e) {
            if (Instant.now().isAfter(quietUntil)) {
                quietUntil = Instant.now().plus(QUIET);
                log.warn(
                        "cannot read the model catalog ({}); routing by revision {} until it can be read",
                        e.getMessage(),
                        current.revision());
            }
        }
    }

    /** Reads the whole catalog now and routes by it from the next call on. */
    synchronized void refresh() {
        Routes next = resolve(store.load());
        if (next.revision() != current.revision()) {
            log.info(
                    "model catalog now at revision {}: {} models",
                    next.revision(),
                    next.byModel().size());
        }
        current = next;
    }

    long revision() {
        return current.revision();
    }

    private static Routes resolve(Snapshot catalog) {
        Map<String, UpstreamEntry> upstreams = new HashMap<>();
        catalog.upstreams().forEach(u -> {
            if (u.credential() != null && !catalog.secrets().containsKey(u.credential())) {
                // never sent without its credential: the route is left out, and the catalog API warns of it
                log.error(
                        "credential {} of upstream {} does not open with TOKENMETER_UPSTREAM_CREDENTIALS_KEY; its"
                                + " routes are out of service until the credential is stored again",
                        u.credential(),
                        u.name());
            } else {
                upstreams.put(u.name(), u);
            }
        });
        Map<String, List<ResolvedRoute>> routes = new HashMap<>();
        for (ModelEntry model : catalog.models()) {
            List<ResolvedRoute> resolved = model.routes().stream()
                    .filter(r -> upstreams.containsKey(r.upstream()))
                    .map(r -> {
                        UpstreamEntry upstream = upstreams.get(r.upstream());
                        return new ResolvedRoute(
                                model.name(),
                                r.provider(),
                                r.region(),
                                r.upstreamModel() == null ? model.name() : r.upstreamModel(),
                                under(upstream.baseUrl(), "/chat/completions"),
                                upstream.anthropicBaseUrl() == null
                                        ? null
                                        : under(upstream.anthropicBaseUrl(), "/v1/messages"),
                                upstream.credential() == null
                                        ? null
                                        : catalog.secrets().get(upstream.credential()),
                                Duration.ofMillis(upstream.connectTimeoutMs()),
                                Duration.ofMillis(upstream.timeoutMs()),
                                model.maxOutputTokens());
                    })
                    .toList();
            if (!resolved.isEmpty()) {
                routes.put(model.name(), resolved);
            }
        }
        return new Routes(catalog.revision(), Map.copyOf(routes));
    }

    private static URI under(URI base, String path) {
        return URI.create(base.toString().replaceAll("/+$", "") + path);
    }

    /** The model's routes in priority order; empty when the model is unknown. */
    public List<ResolvedRoute> routes(String model) {
        return current.byModel().getOrDefault(model, List.of());
    }

    public Map<String, List<ResolvedRoute>> all() {
        return current.byModel();
    }
}
