package io.tokenmeter.contracts.web;

import org.springframework.http.ProblemDetail;

import java.net.URI;

/** Builds problem details with a stable type per error code. */
public final class Problems {

    public static final String TYPE_BASE = "https://tokenmeter.io/problems/";

    private Problems() {
    }

    public static ProblemDetail of(ApiError error, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(error.status(), detail);
        problem.setType(URI.create(TYPE_BASE + error.code()));
        problem.setTitle(error.title());
        return problem;
    }
}
