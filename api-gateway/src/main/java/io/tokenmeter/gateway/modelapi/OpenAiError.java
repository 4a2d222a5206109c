package io.tokenmeter.gateway.modelapi;

import com.fasterxml.jackson.annotation.JsonProperty;
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
public record OpenAiError(@JsonProperty("error") Body error) {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public record Body(@JsonProperty("message") String message, @JsonProperty("type") String type,
                       @JsonProperty("param") String param, @JsonProperty("code") String code) {
    }

    public static OpenAiError of(ModelApiError error, String param, String message) {
        return new OpenAiError(new Body(message, error.type(), param, error.code()));
    }
}
