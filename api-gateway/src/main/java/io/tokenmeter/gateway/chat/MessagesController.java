package io.tokenmeter.gateway.chat;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.modelapi.AnthropicError;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
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
 * {@code POST /v1/messages}: Anthropic's Messages API, for coding agents (Claude Code, Cline, ...) pointed at
 * the gateway, on models whose upstream serves an Anthropic-compatible endpoint. Metered like chat
 * completions; errors in Anthropic's shape. The key may come as {@code x-api-key} or as a bearer token.
 */
@RestController
class MessagesController {

    private static final JsonMapper JSON = WireJson.MAPPER;

    private final ModelCalls calls;

    MessagesController(ModelCalls calls) {
        this.calls = calls;
    }

    @PostMapping(path = AnthropicMessages.PATH)
    @Operation(summary = "Anthropic-compatible Messages API, metered per call")
    ResponseEntity<?> create(
            Caller caller,
            @RequestAttribute(ActiveKey.ATTRIBUTE) ActiveKey key,
            @RequestBody(required = false) byte[] body,
            HttpServletRequest servletRequest,
            HttpServletResponse servletResponse) {
        ObjectNode request;
        try {
            JsonNode parsed = body == null ? null : JSON.readTree(body);
            if (parsed == null || !parsed.isObject()) {
                return invalid("The body must be a JSON object.");
            }
            request = (ObjectNode) parsed;
        } catch (JacksonException e) {
            return invalid("We could not parse the JSON body of your request: " + e.getOriginalMessage());
        }
        JsonNode model = request.get("model");
        if (model == null || !model.isString() || model.asString().isBlank()) {
            return invalid("model: Field required");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return invalid("messages: must be a non-empty array");
        }
        JsonNode maxTokens = request.get("max_tokens");
        if (maxTokens == null
                || !maxTokens.isIntegralNumber()
                || !maxTokens.canConvertToLong()
                || maxTokens.asLong() < 1) {
            return invalid("max_tokens: Field required (an integer of at least 1)");
        }
        ModelApi api = new AnthropicMessages(
                servletRequest.getHeader("anthropic-version"), servletRequest.getHeader("anthropic-beta"));
        return calls.forward(
                new ModelCalls.ModelCall(
                        api,
                        caller,
                        key,
                        model.asString(),
                        request,
                        body.length,
                        request.path("stream").asBoolean(false),
                        RequestIdFilter.of(servletRequest)),
                servletResponse);
    }

    private static ResponseEntity<AnthropicError> invalid(String message) {
        return ModelApiErrors.anthropic(ModelApiError.INVALID_REQUEST, message);
    }
}
