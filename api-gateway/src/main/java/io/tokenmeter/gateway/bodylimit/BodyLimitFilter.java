package io.tokenmeter.gateway.bodylimit;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
import io.tokenmeter.starter.web.CachedBodyRequest;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;

/**
 * Refuses a body over its path's limit ({@link BodyLimitProperties}) with 413 before it is held in memory: at once
 * when its {@code Content-Length} says so (nothing of it is read), else as soon as the bytes read pass the limit. A
 * REST call's body is read here whole (within its limit), so that the gateway can sign its hash for the service. Runs
 * before authentication, so an anonymous body is bounded too.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
class BodyLimitFilter extends OncePerRequestFilter {

    private final BodyLimitProperties limits;
    private final MeterRegistry meters;

    BodyLimitFilter(BodyLimitProperties limits, MeterRegistry meters) {
        this.limits = limits;
        this.meters = meters;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.startsWith("/v1/") || path.startsWith("/api/") || path.startsWith("/console/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = limits.limitFor(request.getRequestURI());
        if (request.getContentLengthLong() > limit) {
            refuse(request, response, limit);
            return;
        }
        boolean restCall = request.getRequestURI().startsWith("/api/");
        if (!restCall && request.getHeader("Transfer-Encoding") == null) {
            chain.doFilter(
                    request, response); // a model call with no body, or one whose stated length is within the limit
            return;
        }
        // a REST call's body is read here (the gateway signs its hash for the service); a chunked one states no length.
        // Either is read at most one byte past the limit, before any handler sees it
        byte[] body = CachedBodyRequest.read(request, limit);
        if (body.length > limit) {
            refuse(request, response, limit);
            return;
        }
        chain.doFilter(new CachedBodyRequest(request, body), response);
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, long limit) throws IOException {
        meters.counter(
                        "tokenmeter.gateway.bodies_refused",
                        "api",
                        request.getRequestURI().startsWith("/v1/") ? "model" : "rest")
                .increment();
        String message = "The request body is larger than this endpoint takes (" + limit + " bytes).";
        response.setHeader("Connection", "close"); // the rest of the body is not read
        if (request.getRequestURI().startsWith("/v1/")) {
            ModelApiErrors.write(request, response, ModelApiError.REQUEST_TOO_LARGE, message);
            return;
        }
        ProblemDetail problem = Problems.of(CommonErrors.PAYLOAD_TOO_LARGE, message);
        problem.setProperty("limit_bytes", limit);
        Problems.write(request, response, problem);
    }
}
