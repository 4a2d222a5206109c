package io.tokenmeter.gateway.apidocs;

import io.swagger.v3.oas.annotations.Hidden;
import io.tokenmeter.gateway.proxy.ServiceProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /openapi.json}: one OpenAPI document for every public route ({@code /v1} and {@code /api/v1}),
 * merged from the gateway's own document and each service's, as the gateway serves them. On the way it states what
 * the per-service documents cannot: the bearer key every route takes, the error shapes (problem details on
 * {@code /api}, OpenAI's and Anthropic's JSON on the model APIs), and it drops the signed caller (a service-side
 * argument, not a parameter a client sends). Internal routes ({@code /api/internal}) stay out. A service that does
 * not answer leaves its routes out and says so in the document's description, rather than failing the page.
 */
@RestController
@Hidden
class PublicApiDocs {

    private static final Logger log = LoggerFactory.getLogger(PublicApiDocs.class);
    private static final String SCHEMAS = "#/components/schemas/";

    private final JsonMapper json;
    private final Environment environment;
    private final ServiceProperties services;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    PublicApiDocs(JsonMapper json, Environment environment, ServiceProperties services) {
        this.json = json;
        this.environment = environment;
        this.services = services;
    }

    @GetMapping(path = "/openapi.json", produces = MediaType.APPLICATION_JSON_VALUE)
    ObjectNode document() {
        Map<String, URI> sources = new LinkedHashMap<>();
        sources.put("gateway", URI.create("http://127.0.0.1:" + environment.getProperty("local.server.port", "8080")));
        sources.put("metering", services.metering());
        sources.put("pricing", services.pricing());
        sources.put("billing", services.billing());
        List<String> missing = new ArrayList<>();
        Map<String, JsonNode> documents = new LinkedHashMap<>();
        sources.forEach((name, base) -> {
            try {
                documents.put(name, fetch(base.resolve("/v3/api-docs")));
            } catch (Exception e) {
                log.warn(
                        "the public API document leaves out {}'s routes: its /v3/api-docs did not answer ({})",
                        name,
                        e.toString());
                missing.add(name);
            }
        });
        return merge(documents, missing);
    }

    ObjectNode merge(Map<String, JsonNode> documents, List<String> missing) {
        ObjectNode merged = json.createObjectNode();
        merged.put("openapi", "3.1.0");
        ObjectNode info = merged.putObject("info");
        info.put("title", "TokenMeter public API");
        info.put("version", "v1");
        info.put(
                "description",
                "Every public route, through the gateway. Authenticate with `Authorization: Bearer <API key>` (the"
                        + " Anthropic route also takes `x-api-key`). Who may call a route is in its summary: tenant"
                        + " keys see only their own tenant's data; finance and admin keys are staff keys. Errors on"
                        + " /api are RFC 9457 problem details (`Problem`), with `errors` naming each bad field; the"
                        + " model APIs answer OpenAI's error JSON (Anthropic's on /v1/messages)."
                        + (missing.isEmpty()
                                ? ""
                                : " Not in this copy (their service did not answer): " + missing + "."));
        merged.putArray("servers").addObject().put("url", "/");
        merged.putArray("security").addObject().putArray("bearer");
        ObjectNode paths = merged.putObject("paths");
        ObjectNode components = merged.putObject("components");
        components
                .putObject("securitySchemes")
                .putObject("bearer")
                .put("type", "http")
                .put("scheme", "bearer")
                .put("description", "A TokenMeter API key: a tenant's, a finance or an admin key");
        ObjectNode schemas = components.putObject("schemas");
        schemas.set("Problem", problemSchema());
        schemas.set("OpenAIError", openAiErrorSchema());
        schemas.set("AnthropicError", anthropicErrorSchema());
        documents.forEach((service, document) -> {
            JsonNode own = document.path("components").path("schemas");
            Map<String, String> renames = new HashMap<>();
            for (String name : own.propertyNames()) {
                if (schemas.has(name) && !schemas.get(name).equals(own.get(name))) {
                    renames.put(name, capitalized(service) + name); // same name, other shape: both kept
                }
            }
            JsonNode doc = renames.isEmpty() ? document : rewriteRefs(document.deepCopy(), renames);
            for (String name : doc.path("components").path("schemas").propertyNames()) {
                if (!name.equals("Caller")) {
                    schemas.set(
                            renames.getOrDefault(name, name),
                            doc.path("components").path("schemas").get(name));
                }
            }
            for (String path : doc.path("paths").propertyNames()) {
                if (path.startsWith("/v1/") || path.startsWith("/api/v1/")) {
                    paths.set(path, publicOperations(service, path, (ObjectNode)
                            doc.path("paths").get(path)));
                }
            }
        });
        return merged;
    }

    private ObjectNode publicOperations(String service, String path, ObjectNode item) {
        ObjectNode out = item.deepCopy();
        for (String method : item.propertyNames()) {
            if (!(out.get(method) instanceof ObjectNode operation)) {
                continue;
            }
            if (operation.get("parameters") instanceof ArrayNode parameters) {
                for (int i = parameters.size() - 1; i >= 0; i--) {
                    if (parameters
                            .get(i)
                            .path("schema")
                            .path("$ref")
                            .asString("")
                            .equals(SCHEMAS + "Caller")) {
                        parameters.remove(i); // the signed caller is not something a client sends
                    }
                }
            }
            operation.put("x-service", service);
            ObjectNode responses = operation.has("responses")
                    ? (ObjectNode) operation.get("responses")
                    : operation.putObject("responses");
            String schema = path.startsWith("/api/")
                    ? "Problem"
                    : path.startsWith("/v1/messages") ? "AnthropicError" : "OpenAIError";
            String type = schema.equals("Problem") ? "application/problem+json" : "application/json";
            for (String status : List.of("4XX", "5XX")) {
                if (!responses.has(status)) {
                    responses
                            .putObject(status)
                            .put("description", status.equals("4XX") ? "Refused: see the error" : "Failed upstream")
                            .putObject("content")
                            .putObject(type)
                            .putObject("schema")
                            .put("$ref", SCHEMAS + schema);
                }
            }
        }
        return out;
    }

    private static JsonNode rewriteRefs(JsonNode node, Map<String, String> renames) {
        if (node instanceof ObjectNode object) {
            for (String field : new ArrayList<>(object.propertyNames())) {
                JsonNode value = object.get(field);
                if (field.equals("$ref") && value.isString() && value.asString().startsWith(SCHEMAS)) {
                    String name = value.asString().substring(SCHEMAS.length());
                    if (renames.containsKey(name)) {
                        object.put("$ref", SCHEMAS + renames.get(name));
                    }
                } else {
                    rewriteRefs(value, renames);
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(element -> rewriteRefs(element, renames));
        }
        return node;
    }

    private JsonNode fetch(URI uri) throws Exception {
        HttpResponse<byte[]> response = http.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode());
        }
        return json.readTree(response.body());
    }

    private ObjectNode problemSchema() {
        ObjectNode schema =
                json.createObjectNode().put("type", "object").put("description", "RFC 9457 problem details");
        ObjectNode properties = schema.putObject("properties");
        for (String text : List.of("type", "title", "detail", "instance", "request_id")) {
            properties.putObject(text).put("type", "string");
        }
        properties.putObject("status").put("type", "integer");
        ObjectNode item = properties
                .putObject("errors")
                .put("type", "array")
                .put("description", "one item per bad field")
                .putObject("items")
                .put("type", "object")
                .putObject("properties");
        for (String text : List.of("pointer", "parameter", "rule", "detail")) {
            item.putObject(text).put("type", "string");
        }
        return schema;
    }

    private ObjectNode openAiErrorSchema() {
        ObjectNode schema = json.createObjectNode().put("type", "object");
        ObjectNode error = schema.putObject("properties").putObject("error").put("type", "object");
        ObjectNode properties = error.putObject("properties");
        for (String text : List.of("message", "type", "param", "code")) {
            properties.putObject(text).put("type", "string");
        }
        return schema;
    }

    private ObjectNode anthropicErrorSchema() {
        ObjectNode schema = json.createObjectNode().put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        properties.putObject("type").put("type", "string").put("const", "error");
        ObjectNode error = properties.putObject("error").put("type", "object").putObject("properties");
        error.putObject("type").put("type", "string");
        error.putObject("message").put("type", "string");
        return schema;
    }

    private static String capitalized(String name) {
        return Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }
}
