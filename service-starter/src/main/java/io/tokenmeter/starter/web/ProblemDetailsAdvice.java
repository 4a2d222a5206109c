package io.tokenmeter.starter.web;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;
import org.springframework.validation.method.ParameterValidationResult;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

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
        String type =
                e.getRequiredType() == null ? "value" : e.getRequiredType().getSimpleName();
        return respond(
                invalid(List.of(InvalidField.parameter(
                        e.getName(),
                        "format",
                        "parameter '" + e.getName() + "' has an invalid value for a " + type + ": " + e.getValue()))),
                request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> onUnexpected(Exception e, HttpServletRequest request) {
        log.error("unexpected error on {} {}", request.getMethod(), request.getRequestURI(), e);
        return respond(
                Problems.of(
                        CommonErrors.INTERNAL,
                        "unexpected error; quote request id " + RequestIdFilter.of(request) + " when reporting it"),
                request);
    }

    /**
     * Says what in the body could not be read (a rate of "abc", a missing field) and where, not just that it failed.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        Throwable cause = ex.getMostSpecificCause();
        InvalidField field;
        if (cause instanceof JacksonException jackson) {
            String pointer = pointer(jackson.getPath());
            String rule = cause instanceof InvalidFormatException
                    ? "format"
                    : cause instanceof MismatchedInputException mismatch
                                    && mismatch.getMessage() != null
                                    && mismatch.getMessage().contains("Missing required")
                            ? "required"
                            : cause instanceof MismatchedInputException ? "type" : "json";
            field = InvalidField.body(
                    pointer,
                    rule,
                    (pointer.isEmpty() ? "the body" : pointer.substring(1).replace('/', '.')) + ": "
                            + jackson.getOriginalMessage());
        } else {
            field = InvalidField.body("", "json", "the request body is not readable JSON");
        }
        return handleExceptionInternal(ex, invalid(List.of(field)), headers, status, request);
    }

    /**
     * Bean Validation on a request body: every field that breaks a constraint, by JSON pointer, with the constraint.
     */
    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<InvalidField> fields = new ArrayList<>();
        for (FieldError error : ex.getBindingResult().getFieldErrors()) {
            String pointer = InvalidField.pointerOf(error.getField());
            fields.add(InvalidField.body(
                    pointer,
                    rule(error.getCode()),
                    pointer.substring(1).replace('/', '.') + " " + error.getDefaultMessage()
                            + (error.getRejectedValue() == null ? "" : " (got " + error.getRejectedValue() + ")")));
        }
        for (ObjectError error : ex.getBindingResult().getGlobalErrors()) {
            fields.add(InvalidField.body("", rule(error.getCode()), error.getDefaultMessage()));
        }
        return handleExceptionInternal(ex, invalid(fields), headers, status, request);
    }

    /** Bean Validation on parameters. */
    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<InvalidField> fields = new ArrayList<>();
        for (ParameterValidationResult result : ex.getParameterValidationResults()) {
            String name = result.getMethodParameter().getParameterName();
            for (MessageSourceResolvable error : result.getResolvableErrors()) {
                String code = error.getCodes() == null || error.getCodes().length == 0
                        ? null
                        : error.getCodes()[error.getCodes().length - 1];
                fields.add(InvalidField.parameter(name, rule(code), name + " " + error.getDefaultMessage()));
            }
        }
        return handleExceptionInternal(ex, invalid(fields), headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(
            MissingServletRequestParameterException ex,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        return handleExceptionInternal(
                ex,
                invalid(List.of(InvalidField.parameter(
                        ex.getParameterName(),
                        "required",
                        "the query parameter '" + ex.getParameterName() + "' is required"))),
                headers,
                status,
                request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex, Object body, HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            if ("about:blank".equals(String.valueOf(problem.getType()))) {
                problem.setType(URI.create(
                        Problems.TYPE_BASE + (statusCode.is4xxClientError() ? "invalid-request" : "internal-error")));
            }
            if (request instanceof ServletWebRequest servlet) {
                problem.setInstance(URI.create(servlet.getRequest().getRequestURI()));
                problem.setProperty("request_id", RequestIdFilter.of(servlet.getRequest()));
            }
        }
        return response;
    }

    private static ProblemDetail invalid(List<InvalidField> fields) {
        ProblemDetail problem = Problems.of(
                CommonErrors.INVALID_REQUEST,
                fields.stream().map(InvalidField::detail).collect(Collectors.joining("; ")));
        problem.setProperty("errors", fields);
        return problem;
    }

    /** A JSON pointer from Jackson's path to the failing value. */
    private static String pointer(List<JacksonException.Reference> path) {
        StringBuilder pointer = new StringBuilder();
        for (JacksonException.Reference reference : path) {
            pointer.append('/')
                    .append(
                            reference.getPropertyName() != null
                                    ? reference
                                            .getPropertyName()
                                            .replace("~", "~0")
                                            .replace("/", "~1")
                                    : Integer.toString(reference.getIndex()));
        }
        return pointer.toString();
    }

    /**
     * A constraint's code ({@code NotBlank}, {@code Pattern}) as the kebab-case rule ({@code not-blank}, {@code
     * pattern}).
     */
    private static String rule(String code) {
        if (code == null || code.isEmpty()) {
            return "invalid";
        }
        String simple = code.contains(".") ? code.substring(code.lastIndexOf('.') + 1) : code;
        return InvalidField.snakeCase(simple).replace('_', '-');
    }

    private static ResponseEntity<ProblemDetail> respond(ProblemDetail problem, HttpServletRequest request) {
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("request_id", RequestIdFilter.of(request));
        return ResponseEntity.status(problem.getStatus())
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
