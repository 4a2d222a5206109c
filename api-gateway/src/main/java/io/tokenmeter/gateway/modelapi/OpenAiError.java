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

    public static ResponseEntity<OpenAiError> response(HttpStatus status, String type, String code, String param, String message) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON)
                .body(new OpenAiError(new Body(message, type, param, code)));
    }

    public static void write(HttpServletResponse response, HttpStatus status, String type, String code, String message)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        JSON.writeValue(response.getOutputStream(), new OpenAiError(new Body(message, type, null, code)));
    }
}
