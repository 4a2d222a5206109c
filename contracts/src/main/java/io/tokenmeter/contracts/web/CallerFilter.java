package io.tokenmeter.contracts.web;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.util.Optional;

/**
 * In a service behind the gateway: every {@code /api/} request must carry a caller signed by the gateway, or
 * it is refused with 401 before any controller runs. Controllers then take a {@link Caller} parameter.
 */
public class CallerFilter extends OncePerRequestFilter {

    static final String ATTRIBUTE = CallerFilter.class.getName() + ".caller";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final CallerHeaders headers;

    public CallerFilter(CallerHeaders headers) {
        this.headers = headers;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<Caller> caller = headers.verify(request.getHeader(CallerHeaders.CALLER), request.getHeader(CallerHeaders.SIGNATURE));
        if (caller.isEmpty()) {
            ProblemDetail problem = Problems.of(CommonErrors.UNAUTHENTICATED,
                    "this service answers only requests forwarded by the api-gateway with a valid API key");
            problem.setInstance(URI.create(request.getRequestURI()));
            problem.setProperty("request_id", RequestIdFilter.of(request));
            response.setStatus(problem.getStatus());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            JSON.writeValue(response.getOutputStream(), problem);
            return;
        }
        request.setAttribute(ATTRIBUTE, caller.get());
        chain.doFilter(request, response);
    }
}
