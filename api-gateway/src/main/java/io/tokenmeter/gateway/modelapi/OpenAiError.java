package io.tokenmeter.gateway.modelapi;

import io.tokenmeter.contracts.json.WireJson;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * OpenAI's error body, which the official SDKs parse: {@code {"error": {"message", "type", "param", "code"}}}.
 * Everything under {@code /v1} answers errors in this shape, never as problem details.
 */
public record OpenAiError(Body error) {

    private static final JsonMapper JSON = WireJson.MAPPER;

    public record Body(String message, String type,
                       String param, String code) {
    }

    public static OpenAiError of(ModelApiError error, String param, String message) {
        return new OpenAiError(new Body(message, error.type(), param, error.code()));
    }
}
