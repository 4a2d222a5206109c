package io.tokenmeter.gateway.chat;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
import io.tokenmeter.gateway.modelapi.OpenAiError;
import io.tokenmeter.starter.web.RequestIdFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestAttribute;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/chat/completions}: validates the request and hands it to {@link ModelCalls}, which forwards
 * it with the provider's own model name and meters it. Unknown request fields pass through untouched, so
 * provider-specific options keep working. A stream always asks the upstream for its usage.
 */
@RestController
class ChatCompletionsController {

    private static final JsonMapper JSON = WireJson.MAPPER;

    private final ModelCalls calls;

    ChatCompletionsController(ModelCalls calls) {
        this.calls = calls;
    }

    @PostMapping(path = "/v1/chat/completions")
    @Operation(summary = "OpenAI-compatible chat completion, metered per call")
    ResponseEntity<?> complete(
            Caller caller,
            @RequestAttribute(ActiveKey.ATTRIBUTE) ActiveKey key,
            @RequestBody(required = false) byte[] body,
            HttpServletRequest servletRequest,
            HttpServletResponse servletResponse) {
        ObjectNode request;
        try {
            JsonNode parsed = body == null ? null : JSON.readTree(body);
            if (parsed == null || !parsed.isObject()) {
                return invalid(null, "The body must be a JSON object.");
            }
            request = (ObjectNode) parsed;
        } catch (JacksonException e) {
            return invalid(null, "We could not parse the JSON body of your request: " + e.getOriginalMessage());
        }
        JsonNode model = request.get("model");
        if (model == null || !model.isString() || model.asString().isBlank()) {
            return invalid("model", "you must provide a model parameter");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return invalid("messages", "messages must be a non-empty array");
        }
        boolean streaming = request.path("stream").asBoolean(false);
        boolean clientAskedForUsage =
                request.path("stream_options").path("include_usage").asBoolean(false);
        if (streaming) {
            ObjectNode streamOptions = request.get("stream_options") instanceof ObjectNode options
                    ? options
                    : request.putObject("stream_options");
            streamOptions.put("include_usage", true); // always: a stream without usage could only be estimated
        }
        return calls.forward(
                new ModelCalls.ModelCall(
                        new OpenAiChat(clientAskedForUsage),
                        caller,
                        key,
                        model.asString(),
                        request,
                        body.length,
                        streaming,
                        RequestIdFilter.of(servletRequest)),
                servletResponse);
    }

    private static ResponseEntity<OpenAiError> invalid(String param, String message) {
        return ModelApiErrors.openAi(ModelApiError.INVALID_REQUEST, param, message);
    }
}
