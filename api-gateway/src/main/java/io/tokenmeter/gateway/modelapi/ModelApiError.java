package io.tokenmeter.gateway.modelapi;

import org.springframework.http.HttpStatus;

/**
 * Every error the model APIs answer: its HTTP status, OpenAI's {@code type} and {@code code} (the vocabulary
 * OpenAI's SDKs and agent tools branch on). Anthropic's error type follows from the status
 * ({@link AnthropicError#typeOf}). The REST side has the same list as {@code ApiError}s.
 */
public enum ModelApiError {
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "invalid_request_error", null),
    INVALID_VALUE(HttpStatus.BAD_REQUEST, "invalid_request_error", "invalid_value"),
    INVALID_API_KEY(HttpStatus.UNAUTHORIZED, "invalid_request_error", "invalid_api_key"),
    BUDGET_EXCEEDED(HttpStatus.PAYMENT_REQUIRED, "insufficient_quota", "budget_exceeded"),
    BUDGET_UNPRICED(HttpStatus.PAYMENT_REQUIRED, "insufficient_quota", "budget_unpriced"),
    TENANT_KEY_REQUIRED(HttpStatus.FORBIDDEN, "permission_error", "tenant_key_required"),
    TENANT_SUSPENDED(HttpStatus.FORBIDDEN, "permission_error", "tenant_suspended"),
    REGION_NOT_ALLOWED(HttpStatus.FORBIDDEN, "permission_error", "region_not_allowed"),
    MODEL_NOT_FOUND(HttpStatus.NOT_FOUND, "invalid_request_error", "model_not_found"),
    REQUEST_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", "request_too_large"),
    RATE_LIMIT_EXCEEDED(HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", "rate_limit_exceeded"),
    TOO_MANY_FAILED_AUTHENTICATIONS(
            HttpStatus.TOO_MANY_REQUESTS, "rate_limit_error", "too_many_failed_authentications"),
    INTERNAL_ERROR(HttpStatus.INTERNAL_SERVER_ERROR, "api_error", "internal_error"),
    UPSTREAM_ERROR(HttpStatus.BAD_GATEWAY, "api_error", "upstream_error"),
    UPSTREAM_UNAVAILABLE(HttpStatus.BAD_GATEWAY, "api_error", "upstream_unavailable"),
    UPSTREAM_TIMEOUT(HttpStatus.GATEWAY_TIMEOUT, "api_error", "upstream_timeout"),
    USAGE_RECORDING_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "api_error", "usage_recording_unavailable"),
    BUDGET_CHECK_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "api_error", "budget_check_unavailable"),
    SHUTTING_DOWN(HttpStatus.SERVICE_UNAVAILABLE, "api_error", "shutting_down");

    private final HttpStatus status;
    private final String type;
    private final String code;

    ModelApiError(HttpStatus status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public HttpStatus status() {
        return status;
    }

    /** OpenAI's error type. */
    public String type() {
        return type;
    }

    /** OpenAI's error code; {@code null} for a request that could not be read at all. */
    public String code() {
        return code;
    }
}
