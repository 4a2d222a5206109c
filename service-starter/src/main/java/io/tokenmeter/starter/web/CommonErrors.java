package io.tokenmeter.starter.web;

import org.springframework.http.HttpStatus;

/** Errors every service can give. */
public enum CommonErrors implements ApiError {
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "unauthenticated", "Missing or invalid credentials"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "forbidden", "Not allowed for this caller"),
    INVALID_REQUEST(HttpStatus.BAD_REQUEST, "invalid-request", "The request is not valid"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "not-found", "No such resource"),
    CONFLICT(HttpStatus.CONFLICT, "conflict", "The request conflicts with the current state"),
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "The request body is too large"),
    INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR, "internal-error", "Internal error");

    private final Kind kind;

    CommonErrors(HttpStatus status, String code, String title) {
        this.kind = new Kind(status, code, title);
    }

    @Override
    public Kind kind() {
        return kind;
    }
}
