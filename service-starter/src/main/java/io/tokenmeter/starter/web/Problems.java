package io.tokenmeter.starter.web;

import io.tokenmeter.contracts.json.WireJson;
import org.springframework.http.ProblemDetail;

import java.net.URI;

/** Builds problem details with a stable type per error code. */
public final class Problems {

    public static final String TYPE_BASE = "https://tokenmeter.io/problems/";

    private Problems() {}

    private static final tools.jackson.databind.json.JsonMapper JSON = WireJson.MAPPER;

    /**
     * Writes a problem from a filter, before any controller (and so any advice) runs: with its instance and request
     * id.
     */
    public static void write(
            jakarta.servlet.http.HttpServletRequest request,
            jakarta.servlet.http.HttpServletResponse response,
            ProblemDetail problem)
            throws java.io.IOException {
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("request_id", RequestIdFilter.of(request));
        response.setStatus(problem.getStatus());
        response.setContentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JSON.writeValue(response.getOutputStream(), problem);
    }

    public static ProblemDetail of(ApiError error, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(error.status(), detail);
        problem.setType(URI.create(TYPE_BASE + error.code()));
        problem.setTitle(error.title());
        return problem;
    }
}
