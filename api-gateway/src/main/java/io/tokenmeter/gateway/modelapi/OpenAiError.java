package io.tokenmeter.gateway.modelapi;

import io.tokenmeter.contracts.json.WireJson;
import tools.jackson.databind.json.JsonMapper;

/**
 * OpenAI's error body, which the official SDKs parse: {@code {"error": {"message", "type", "param", "code"}}}.
 * Everything under {@code /v1} answers errors in this shape, never as problem details.
 */
public record OpenAiError(Body error) {

    private static final JsonMapper JSON = WireJson.MAPPER;

    public record Body(String message, String type, String param, String code) {}

    public static OpenAiError of(ModelApiError error, String param, String message) {
        return new OpenAiError(new Body(message, error.type(), param, error.code()));
    }
}
