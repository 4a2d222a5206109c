package io.tokenmeter.contracts.web;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import tools.jackson.core.JacksonException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import java.net.URI;

/**
 * Every error a service answers with is RFC 9457 problem details: framework errors (bad JSON, missing
 * parameter, wrong method) through the base class, our own through {@link ApiException}, and anything
 * unexpected as a 500 that names the request id but never the internals.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemDetailsAdvice.class);

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> onApiException(ApiException e, HttpServletRequest request) {
        ProblemDetail problem = Problems.of(e.error(), e.getMessage());
        e.properties().forEach(problem::setProperty);
        return respond(problem, request);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> onTypeMismatch(MethodArgumentTypeMismatchException e, HttpServletRequest request) {
        return respond(Problems.of(CommonErrors.INVALID_REQUEST,
                "parameter '" + e.getName() + "' has an invalid value: " + e.getValue()), request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> onUnexpected(Exception e, HttpServletRequest request) {
        log.error("unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
        return respond(Problems.of(CommonErrors.INTERNAL,
                "unexpected error; quote request id " + RequestIdFilter.of(request) + " when reporting it"), request);
    }

    /** Says what in the body could not be read (a rate of "abc", a missing field), not just that it failed. */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        Throwable cause = ex.getMostSpecificCause();
        String detail = cause instanceof JacksonException jackson ? jackson.getOriginalMessage() : "the request body is not readable JSON";
        ProblemDetail problem = Problems.of(CommonErrors.INVALID_REQUEST, "invalid request body: " + detail);
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem && "about:blank".equals(String.valueOf(problem.getType()))) {
            problem.setType(URI.create(Problems.TYPE_BASE + (statusCode.is4xxClientError() ? "invalid-request" : "internal-error")));
        }
        return response;
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem, HttpServletRequest request) {
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("request_id", RequestIdFilter.of(request));
        return ResponseEntity.status(problem.getStatus())
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
