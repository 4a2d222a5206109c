package io.tokenmeter.contracts.web;

import org.springframework.http.HttpStatus;

/** Errors every service can give. */
public enum CommonErrors implements ApiError {
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "unauthenticated", "Missing or invalid credentials"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "forbidden", "Not allowed for this caller"),
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "invalid-request", "The request is not valid"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "not-found", "No such resource"),
    INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error");

    private final HttpStatus status;
    private final String code;
    private final String title;

    CommonErrors(HttpStatus status, String code, String title) {
        this.status = status;
        this.code = code;
        this.title = title;
    }

    @Override
    public HttpStatus status() {
        return status;
    }

    @Override
    public String code() {
        return code;
    }

    @Override
    public String title() {
        return title;
    }
}
