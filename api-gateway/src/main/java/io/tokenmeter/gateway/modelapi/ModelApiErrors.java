package io.tokenmeter.gateway.modelapi;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;

import java.io.IOException;

/** Errors written before a handler runs (authentication, rate limits), in the shape of the model API called. */
public final class ModelApiErrors {

    private ModelApiErrors() {
    }

    public static void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String type,
                             String code, String message) throws IOException {
        if (isAnthropic(request)) {
            AnthropicError.write(response, status, message);
        } else {
            OpenAiError.write(response, status, type, code, message);
        }
    }

    /** Anthropic's Messages API; everything else under {@code /v1} is OpenAI's. */
    public static final String MESSAGES_PATH = "/v1/messages";

    public static boolean isAnthropic(HttpServletRequest request) {
        return MESSAGES_PATH.equals(request.getRequestURI());
    }
}
