package io.tokenmeter.starter.web;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

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

    /** 400 naming each field that is wrong and the rule it breaks, in the problem's {@code errors} member. */
    public static ApiException invalid(InvalidField... fields) {
        return invalid(CommonErrors.INVALID_REQUEST, Arrays.asList(fields));
    }

    /** As {@link #invalid(InvalidField...)}, with a service's own error type. */
    public static ApiException invalid(ApiError error, List<InvalidField> fields) {
        String detail = fields.stream().map(InvalidField::detail).collect(Collectors.joining("; "));
        return new ApiException(error, detail, Map.of("errors", List.copyOf(fields)));
    }

    public ApiError error() {
        return error;
    }

    public Map<String, Object> properties() {
        return properties;
    }
}
