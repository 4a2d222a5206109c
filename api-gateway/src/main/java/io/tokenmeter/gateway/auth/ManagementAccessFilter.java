package io.tokenmeter.gateway.auth;

import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Optional;

/**
 * The gateway is the one service that listens on a public port, so its actuator is closed there but for health
 * (liveness and readiness, without details, for load balancers and orchestrators): metrics, Prometheus output and the
 * rest take an admin key as a bearer token, which Prometheus sends with {@code authorization: {credentials: ...}}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 18)
class ManagementAccessFilter extends OncePerRequestFilter {

    private final ApiKeys keys;

    ManagementAccessFilter(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !path.startsWith("/actuator") || path.equals("/actuator/health") || path.startsWith("/actuator/health/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        Optional<ActiveKey> key = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? keys.authenticate(header.substring(7).strip())
                : Optional.empty();
        if (key.isEmpty()) {
            Problems.write(
                    request,
                    response,
                    Problems.of(
                            CommonErrors.UNAUTHENTICATED,
                            "the gateway's actuator takes an admin key: 'Authorization: Bearer <key>'"));
            return;
        }
        if (key.get().role() != Role.ADMIN) {
            Problems.write(
                    request, response, Problems.of(CommonErrors.FORBIDDEN, "the gateway's actuator is for admin keys"));
            return;
        }
        chain.doFilter(request, response);
    }
}
