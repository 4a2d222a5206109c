package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
import io.tokenmeter.gateway.modelapi.OpenAiError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Whatever goes wrong under {@code /v1} is answered in OpenAI's error shape, which the SDKs understand. */
@RestControllerAdvice(assignableTypes = {ChatCompletionsController.class, ModelsController.class})
@Order(Ordered.HIGHEST_PRECEDENCE)
class OpenAiErrorAdvice {

    private static final Logger log = LoggerFactory.getLogger(OpenAiErrorAdvice.class);

    @ExceptionHandler(Exception.class)
    ResponseEntity<OpenAiError> onError(Exception e) {
        log.error("model API request failed", e);
        return ModelApiErrors.openAi(ModelApiError.INTERNAL_ERROR, null, "The gateway failed to process the request.");
    }
}
