package io.tokenmeter.gateway.routing;

import io.tokenmeter.gateway.routing.CatalogEntries.CredentialEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.ModelEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.RouteEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.UpstreamEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Brings the catalog's {@code config} rows in line with the routing configuration at start: the configuration seeds
 * a fresh catalog, and keeps the entries it owns current (a deployment's upstream URLs and credentials live in its
 * environment), while an entry an admin has written through the API is the admin's and is left as it is. An
 * upstream's credential from configuration is stored under the upstream's name. Several instances starting at once
 * take turns (an advisory lock), and the revision is raised only when something changed.
 */
@Component
class CatalogSeed {

    private static final Logger log = LoggerFactory.getLogger(CatalogSeed.class);

    private final CatalogStore store;
    private final TransactionTemplate transaction;

    CatalogSeed(CatalogStore store, PlatformTransactionManager transactions) {
        this.store = store;
        this.transaction = new TransactionTemplate(transactions);
    }

    void apply(RoutingProperties config) {
        boolean changed = Boolean.TRUE.equals(transaction.execute(status -> {
            store.lockForSeeding();
            return applyLocked(config);
        }));
        if (changed) {
            log.info("model catalog brought in line with the routing configuration");
        }
    }

    private boolean applyLocked(RoutingProperties config) {
        boolean changed = false;
        Set<String> configCredentials = new HashSet<>();
        for (Map.Entry<String, RoutingProperties.Upstream> e :
                config.upstreams().entrySet()) {
            String name = e.getKey();
            RoutingProperties.Upstream u = e.getValue();
            if (u.baseUrl() == null) {
                throw new IllegalStateException("upstream " + name + " has no base-url");
            }
            String credential = null;
            if (u.apiKey() != null && !u.apiKey().isBlank()) {
                if (!store.canSeal()) {
                    throw new IllegalStateException("upstream " + name + " has an api-key, and there is no"
                            + " TOKENMETER_UPSTREAM_CREDENTIALS_KEY to seal it with in the model catalog");
                }
                credential = name;
                configCredentials.add(name);
                Optional<CredentialEntry> stored = store.credential(name);
                // one that does not open was sealed under another key: the configuration has it, so seal it again
                if (stored.isEmpty()
                        || (ours(stored.get().managedBy())
                                && !u.apiKey().equals(store.secret(name).orElse(null)))) {
                    store.putCredential(name, u.apiKey(), CatalogEntries.CONFIG);
                    log.info("credential {} set from the configuration", name);
                    changed = true;
                }
            }
            UpstreamEntry wanted = new UpstreamEntry(
                    name,
                    u.baseUrl(),
                    u.anthropicBaseUrl(),
                    credential,
                    u.connectTimeout().toMillis(),
                    u.timeout().toMillis(),
                    CatalogEntries.CONFIG,
                    null);
            Optional<UpstreamEntry> stored = store.upstream(name);
            if (stored.isEmpty()
                    || (ours(stored.get().managedBy()) && !stored.get().sameAs(wanted))) {
                store.putUpstream(wanted, CatalogEntries.CONFIG);
                log.info("upstream {} set from the configuration: {}", name, wanted.baseUrl());
                changed = true;
            } else if (!ours(stored.get().managedBy())) {
                log.info("upstream {} was changed through the catalog API; its configuration is not applied", name);
            }
        }
        Set<String> configModels = new HashSet<>();
        for (RoutingProperties.Model m : config.models()) {
            configModels.add(m.name());
            if (m.routes() == null || m.routes().isEmpty()) {
                throw new IllegalStateException("model " + m.name() + " has no routes");
            }
            List<RouteEntry> routes = new ArrayList<>();
            for (RoutingProperties.Route r : m.routes()) {
                if (store.upstream(r.upstream()).isEmpty()) {
                    throw new IllegalStateException("model " + m.name() + " names unknown upstream " + r.upstream());
                }
                routes.add(new RouteEntry(r.upstream(), r.provider(), r.region(), r.upstreamModel()));
            }
            ModelEntry wanted = new ModelEntry(m.name(), m.maxOutputTokens(), routes, CatalogEntries.CONFIG, null);
            Optional<ModelEntry> stored = store.model(m.name());
            if (stored.isEmpty()
                    || (ours(stored.get().managedBy()) && !stored.get().sameAs(wanted))) {
                store.putModel(wanted, CatalogEntries.CONFIG);
                log.info("model {} set from the configuration", m.name());
                changed = true;
            }
        }
        changed |= removeWhatConfigurationDropped(config, configModels, configCredentials);
        if (changed) {
            store.raiseRevision();
        }
        return changed;
    }

    /** Config rows the configuration no longer has go, unless an admin's entry still uses them. */
    private boolean removeWhatConfigurationDropped(
            RoutingProperties config, Set<String> configModels, Set<String> configCredentials) {
        boolean changed = false;
        for (ModelEntry m : store.models()) {
            if (ours(m.managedBy()) && !configModels.contains(m.name())) {
                changed |= store.deleteModel(m.name());
            }
        }
        for (UpstreamEntry u : store.upstreams()) {
            if (ours(u.managedBy()) && !config.upstreams().containsKey(u.name())) {
                List<String> users = store.modelsUsing(u.name());
                if (users.isEmpty()) {
                    changed |= store.deleteUpstream(u.name());
                } else {
                    log.warn(
                            "upstream {} is gone from the configuration and kept: models {} still use it",
                            u.name(),
                            users);
                }
            }
        }
        for (CredentialEntry c : store.credentials()) {
            if (ours(c.managedBy())
                    && !configCredentials.contains(c.name())
                    && store.upstreamsUsing(c.name()).isEmpty()) {
                changed |= store.deleteCredential(c.name());
            }
        }
        return changed;
    }

    private static boolean ours(String managedBy) {
        return CatalogEntries.CONFIG.equals(managedBy);
    }
}
