package io.tokenmeter.gateway.bodylimit;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.util.List;

/**
 * @param modelCalls the largest body of a model call ({@code /v1/}); tens of MB, since images travel as base64
 *                   (Anthropic's own Messages API takes 32 MB)
 * @param api        the largest body of a REST call ({@code /api/})
 * @param imports    the largest body of a REST call to one of {@code importPaths} (an ECB history file, a batch of
 *                   10,000 CloudEvents)
 * @param importPaths path prefixes that take {@code imports}
 */
@ConfigurationProperties("tokenmeter.gateway.body-limits")
public record BodyLimitProperties(
        @DefaultValue("32MB") DataSize modelCalls,
        @DefaultValue("1MB") DataSize api,
        @DefaultValue("16MB") DataSize imports,

        @DefaultValue({"/api/v1/fx/ecb", "/api/v1/events", "/console/admin/fx/ecb"})
        List<String> importPaths) {

    /** The limit for a request path, in bytes. */
    long limitFor(String path) {
        if (path.startsWith("/v1/")) {
            return modelCalls.toBytes();
        }
        for (String prefix : importPaths) {
            if (path.startsWith(prefix)) {
                return imports.toBytes();
            }
        }
        return api.toBytes();
    }
}
