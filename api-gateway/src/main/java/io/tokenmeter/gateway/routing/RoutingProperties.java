package io.tokenmeter.gateway.routing;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Upstreams (an OpenAI-compatible base URL and its credential) and the models they serve. A model lists its
 * routes in priority order; each names the provider and the serving region billed for it.
 */
@ConfigurationProperties("tokenmeter.gateway.routing")
public record RoutingProperties(
        @DefaultValue Map<String, Upstream> upstreams,
        @DefaultValue List<Model> models) {

    /**
     * @param baseUrl          e.g. {@code https://api.deepseek.com/v1}; {@code /chat/completions} is appended
     * @param anthropicBaseUrl the provider's Anthropic-compatible endpoint, if it has one, e.g.
     *                         {@code https://open.bigmodel.cn/api/anthropic}; {@code /v1/messages} is appended.
     *                         Only models with such an upstream can be called on {@code /v1/messages}.
     * @param apiKey           the provider credential; never logged, never shown to tenants
     */
    public record Upstream(
            URI baseUrl,
            URI anthropicBaseUrl,
            String apiKey,
            @DefaultValue("10s") Duration connectTimeout,
            @DefaultValue("600s") Duration timeout) {
        @Override
        public String toString() {
            return "Upstream[baseUrl=" + baseUrl + "]";
        }
    }

    /**
     * @param maxOutputTokens the most a call may produce per choice when it names no limit; what a budget reserves
     * then
     */
    public record Model(String name, List<Route> routes, Long maxOutputTokens) {}

    /** @param upstreamModel the provider's own name for the model; the public name when absent */
    public record Route(String upstream, String provider, String region, String upstreamModel) {}
}
