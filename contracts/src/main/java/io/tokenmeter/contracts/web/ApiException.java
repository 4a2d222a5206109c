package io.tokenmeter.contracts.web;

import java.util.Map;

/** A refusal the caller can act on; rendered as RFC 9457 problem details by {@link ProblemDetailsAdvice}. */
public class ApiException extends RuntimeException {

    private final ApiError error;
    private final Map<String, Object> properties;

    public ApiException(ApiError error, String detail) {
        this(error, detail, Map.of());
    }

    public ApiException(ApiError error, String detail, Map<String, Object> properties) {
        super(detail);
        this.error = error;
        this.properties = properties;
    }

    public ApiError error() {
        return error;
    }

    public Map<String, Object> properties() {
        return properties;
    }
}
