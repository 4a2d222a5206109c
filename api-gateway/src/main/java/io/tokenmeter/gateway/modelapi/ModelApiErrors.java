package io.tokenmeter.gateway.modelapi;

import io.tokenmeter.contracts.json.WireJson;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;

/**
 * The one writer of model-API errors, in the shape of the API called: as a handler's answer, or before a handler runs
 * (authentication, rate limits).
 */
public final class ModelApiErrors {

    private ModelApiErrors() {}

    private static final JsonMapper JSON = WireJson.MAPPER;

    public static ResponseEntity<OpenAiError> openAi(ModelApiError error, String param, String message) {
        return ResponseEntity.status(error.status())
                .contentType(MediaType.APPLICATION_JSON)
                .body(OpenAiError.of(error, param, message));
    }

    public static ResponseEntity<AnthropicError> anthropic(ModelApiError error, String message) {
        return ResponseEntity.status(error.status())
                .contentType(MediaType.APPLICATION_JSON)
                .body(AnthropicError.of(error, message));
    }

    public static void write(
            HttpServletRequest request, HttpServletResponse response, ModelApiError error, String message)
            throws IOException {
        response.setStatus(error.status().value());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        JSON.writeValue(
                response.getOutputStream(),
                isAnthropic(request) ? AnthropicError.of(error, message) : OpenAiError.of(error, null, message));
    }

    /** Anthropic's Messages API; everything else under {@code /v1} is OpenAI's. */
    public static final String MESSAGES_PATH = "/v1/messages";

    public static boolean isAnthropic(HttpServletRequest request) {
        return MESSAGES_PATH.equals(request.getRequestURI());
    }
}
