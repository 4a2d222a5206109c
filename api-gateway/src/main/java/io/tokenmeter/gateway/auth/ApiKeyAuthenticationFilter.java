package io.tokenmeter.gateway.auth;

import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
import io.tokenmeter.gateway.ratelimit.FailedAuthenticationLimiter;
import io.tokenmeter.gateway.ratelimit.KeyRateLimiter;
import io.tokenmeter.starter.web.ApiError;
import io.tokenmeter.starter.web.CallerFilter;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Authenticates {@code Authorization: Bearer <key>} on the model API ({@code /v1/}) and the REST APIs
 * ({@code /api/}); the model API also takes Anthropic's {@code x-api-key}, as Anthropic clients send it. The
 * model API takes tenant keys of active tenants only, since every call is billed to a tenant; its errors are
 * OpenAI's JSON (Anthropic's on {@code /v1/messages}), and each key is held to its request rate limit (429 with
 * Retry-After). The REST APIs take every role and answer problem details.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
public class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

    // the caller where contracts' argument resolver reads it (controllers take a Caller parameter), and the key
    private static final String ATTRIBUTE = CallerFilter.ATTRIBUTE;
    private static final String KEY_ATTRIBUTE = ActiveKey.ATTRIBUTE;
    private static final ApiError TOO_MANY_FAILED_AUTHENTICATIONS = () -> new ApiError.Kind(
            HttpStatus.TOO_MANY_REQUESTS,
            "too-many-failed-authentications",
            "Too many invalid API keys from this address");

    private final ApiKeys keys;
    private final KeyRateLimiter rateLimiter;
    private final FailedAuthenticationLimiter failures;
    private final ClientAddresses addresses;

    ApiKeyAuthenticationFilter(
            ApiKeys keys, KeyRateLimiter rateLimiter, FailedAuthenticationLimiter failures, ClientAddresses addresses) {
        this.keys = keys;
        this.rateLimiter = rateLimiter;
        this.failures = failures;
        this.addresses = addresses;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.startsWith("/v1/") || path.startsWith("/api/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean modelApi = request.getRequestURI().startsWith("/v1/");
        String client = addresses.of(request); // the browser's, on the console's calls back
        OptionalLong heldOff = failures.blocked(client);
        if (heldOff.isPresent()) {
            response.setHeader("Retry-After", Long.toString(heldOff.getAsLong()));
            String message = "Too many invalid API keys from this address; retry after " + heldOff.getAsLong() + " s.";
            if (modelApi) {
                ModelApiErrors.write(request, response, ModelApiError.TOO_MANY_FAILED_AUTHENTICATIONS, message);
            } else {
                Problems.write(request, response, Problems.of(TOO_MANY_FAILED_AUTHENTICATIONS, message));
            }
            return;
        }
        Optional<ActiveKey> key = keys.authenticate(presentedKey(request, modelApi));
        if (key.isEmpty()) {
            failures.failed(client);
            if (modelApi) {
                ModelApiErrors.write(
                        request,
                        response,
                        ModelApiError.INVALID_API_KEY,
                        ModelApiErrors.isAnthropic(request)
                                ? "Incorrect or missing API key. Send it as 'x-api-key: <key>' or 'Authorization: Bearer <key>'."
                                : "Incorrect or missing API key. Send it as 'Authorization: Bearer <key>'.");
            } else {
                Problems.write(
                        request,
                        response,
                        Problems.of(
                                CommonErrors.UNAUTHENTICATED,
                                "missing or invalid API key; send it as 'Authorization: Bearer <key>'"));
            }
            return;
        }
        ActiveKey active = key.get();
        if (modelApi && active.role() != Role.TENANT) {
            ModelApiErrors.write(
                    request,
                    response,
                    ModelApiError.TENANT_KEY_REQUIRED,
                    "Model calls are billed to a tenant: use a tenant API key, not a "
                            + active.role().name().toLowerCase() + " key.");
            return;
        }
        if (active.suspended()) {
            if (modelApi) {
                ModelApiErrors.write(
                        request,
                        response,
                        ModelApiError.TENANT_SUSPENDED,
                        "This tenant is suspended. Contact your account administrator.");
            } else {
                Problems.write(request, response, Problems.of(CommonErrors.FORBIDDEN, "this tenant is suspended"));
            }
            return;
        }
        if (modelApi) {
            OptionalLong wait = rateLimiter.tryAcquire(active.keyId(), active.requestsPerMinute());
            if (wait.isPresent()) {
                response.setHeader("Retry-After", Long.toString(wait.getAsLong()));
                ModelApiErrors.write(
                        request,
                        response,
                        ModelApiError.RATE_LIMIT_EXCEEDED,
                        "This key's request rate limit is reached; retry after " + wait.getAsLong() + " s.");
                return;
            }
        }
        request.setAttribute(ATTRIBUTE, active.caller());
        request.setAttribute(KEY_ATTRIBUTE, active);
        chain.doFilter(request, response);
    }

    private static String presentedKey(HttpServletRequest request, boolean modelApi) {
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).strip();
        }
        return modelApi ? request.getHeader("x-api-key") : null;
    }
}
