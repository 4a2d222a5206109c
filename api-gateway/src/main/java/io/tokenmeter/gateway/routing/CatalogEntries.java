package io.tokenmeter.gateway.routing;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The model catalog as stored and as the admin API shows it. Credentials appear by name only; their secrets are
 * sealed in the database and opened only into the routes a gateway resolves. {@code managed_by}: {@code config}
 * (brought in line with the routing configuration at each start) or {@code admin} (written through the API).
 */
final class CatalogEntries {

    static final String CONFIG = "config";
    static final String ADMIN = "admin";

    private CatalogEntries() {}

    record UpstreamEntry(
            String name,
            URI baseUrl,
            URI anthropicBaseUrl,
            String credential,
            long connectTimeoutMs,
            long timeoutMs,
            String managedBy,
            Instant updatedAt) {

        boolean sameAs(UpstreamEntry other) {
            return name.equals(other.name)
                    && baseUrl.equals(other.baseUrl)
                    && Objects.equals(anthropicBaseUrl, other.anthropicBaseUrl)
                    && Objects.equals(credential, other.credential)
                    && connectTimeoutMs == other.connectTimeoutMs
                    && timeoutMs == other.timeoutMs;
        }
    }

    /** @param upstreamModel the provider's own name for the model; the public name when null */
    record RouteEntry(String upstream, String provider, String region, String upstreamModel) {}

    /** @param routes in priority order: the first is tried first, the next ones on failure */
    record ModelEntry(String name, Long maxOutputTokens, List<RouteEntry> routes, String managedBy, Instant updatedAt) {

        boolean sameAs(ModelEntry other) {
            return name.equals(other.name)
                    && Objects.equals(maxOutputTokens, other.maxOutputTokens)
                    && routes.equals(other.routes);
        }
    }

    record CredentialEntry(String name, String managedBy, Instant updatedAt) {}

    /** The whole catalog at one revision, with the credentials' secrets opened (never serialized or logged). */
    record Snapshot(
            long revision,
            List<UpstreamEntry> upstreams,
            List<ModelEntry> models,
            List<CredentialEntry> credentials,
            Map<String, String> secrets) {
        @Override
        public String toString() {
            return "Snapshot[revision=" + revision + ", " + models.size() + " models]";
        }
    }
}
