package io.tokenmeter.gateway.apidocs;

import io.tokenmeter.gateway.proxy.ServiceProperties;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PublicApiDocsTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private final PublicApiDocs docs = new PublicApiDocs(
            json,
            new MockEnvironment(),
            new ServiceProperties(
                    URI.create("http://m"), URI.create("http://p"), URI.create("http://b"), URI.create("http://c")));

    @Test
    void publicRoutesOfEveryServiceInOneDocumentWithTheirErrorShapes() {
        Map<String, JsonNode> documents = new LinkedHashMap<>();
        documents.put("gateway", json.readTree("""
                {"paths":{"/v1/chat/completions":{"post":{"responses":{"200":{"description":"OK"}}}},
                          "/v1/messages":{"post":{}}},
                 "components":{"schemas":{"Usage":{"type":"object","properties":{"tokens":{"type":"integer"}}}}}}"""));
        documents.put("billing", json.readTree("""
                {"paths":{"/api/v1/billing/invoices":{"get":{"parameters":[
                            {"name":"caller","in":"query","schema":{"$ref":"#/components/schemas/Caller"}},
                            {"name":"page","in":"query","schema":{"type":"integer"}}],
                          "responses":{"200":{"content":{"*/*":{"schema":{"$ref":"#/components/schemas/Usage"}}}}}}},
                          "/api/internal/invoiced-periods":{"post":{}}},
                 "components":{"schemas":{"Caller":{"type":"object"},
                                          "Usage":{"type":"object","properties":{"amount":{"type":"number"}}}}}}"""));

        JsonNode merged = docs.merge(documents, List.of("metering"));

        assertThat(List.copyOf(merged.path("paths").propertyNames()))
                .containsExactlyInAnyOrder("/v1/chat/completions", "/v1/messages", "/api/v1/billing/invoices");
        JsonNode invoices =
                merged.path("paths").path("/api/v1/billing/invoices").path("get");
        assertThat(invoices.path("parameters")).hasSize(1);
        assertThat(invoices.path("parameters").get(0).path("name").asString()).isEqualTo("page");
        assertThat(invoices.path("responses").path("4XX").path("content").has("application/problem+json"))
                .isTrue();
        // the same schema name with another shape is kept under the service's name, and its references follow
        assertThat(invoices.path("responses").path("200").toString()).contains("#/components/schemas/BillingUsage");
        assertThat(merged.path("components").path("schemas").has("Usage")).isTrue();
        assertThat(merged.path("components")
                        .path("schemas")
                        .path("BillingUsage")
                        .toString())
                .contains("amount");
        assertThat(merged.path("components").path("schemas").has("Caller")).isFalse();
        assertThat(merged.path("paths")
                        .path("/v1/messages")
                        .path("post")
                        .path("responses")
                        .path("4XX")
                        .toString())
                .contains("AnthropicError");
        assertThat(merged.path("paths")
                        .path("/v1/chat/completions")
                        .path("post")
                        .path("responses")
                        .path("4XX")
                        .toString())
                .contains("OpenAIError");
        assertThat(merged.path("info").path("description").asString()).contains("[metering]");
        assertThat(merged.path("components")
                        .path("securitySchemes")
                        .path("bearer")
                        .path("scheme")
                        .asString())
                .isEqualTo("bearer");
    }
}
