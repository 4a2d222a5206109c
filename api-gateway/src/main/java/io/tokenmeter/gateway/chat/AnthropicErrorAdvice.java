package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.modelapi.AnthropicError;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Whatever goes wrong on {@code /v1/messages} is answered in Anthropic's error shape. */
@RestControllerAdvice(assignableTypes = MessagesController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class AnthropicErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(AnthropicErrorAdvice.class);

    @ExceptionHandler(Exception.class)
    ResponseEntity<AnthropicError> onError(Exception e) {
        log.error("messages API request failed", e);
        return ModelApiErrors.anthropic(ModelApiError.INTERNAL_ERROR, "The gateway failed to process the request.");
    }
}
