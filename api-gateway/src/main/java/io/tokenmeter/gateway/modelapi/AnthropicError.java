package io.tokenmeter.gateway.modelapi;

import io.tokenmeter.contracts.json.WireJson;
import org.springframework.http.HttpStatus;
import tools.jackson.databind.json.JsonMapper;

/**
 * Anthropic's error body, which its SDKs and agent tools parse: {@code {"type": "error", "error": {"type",
 * "message"}}}, the error type following from the HTTP status as Anthropic documents it.
 */
public record AnthropicError(String type, Body error) {

    private static final JsonMapper JSON = WireJson.MAPPER;

    public record Body(String type, String message) {}

    public static AnthropicError of(ModelApiError error, String message) {
        return new AnthropicError("error", new Body(typeOf(error.status()), message));
    }

    public static String typeOf(HttpStatus status) {
        return switch (status.value()) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            default -> "api_error";
        };
    }
}
