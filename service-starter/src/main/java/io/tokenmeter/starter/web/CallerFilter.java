package io.tokenmeter.starter.web;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.IOException;
import java.util.Optional;

/**
 * In a service behind the gateway: every {@code /api/} request must carry a caller signed by a process this service
 * trusts (the gateway, billing), for this very request (method, path, body), or it is refused with 401 before any
 * controller runs. The body is read here (bounded: 413 beyond {@code maxBody}) to check its hash, and handed on from
 * memory. Controllers then take a {@link Caller} parameter.
 */
public class CallerFilter extends OncePerRequestFilter {

    /**
     * Where the authenticated caller lies on the request, for {@link CallerArgumentResolver}; the gateway's filter
     * sets it too.
     */
    public static final String ATTRIBUTE = CallerFilter.class.getName() + ".caller";

    /**
     * The authenticated caller of this request, for code outside a controller (a controller takes it as a parameter).
     */
    public static Caller callerOf(HttpServletRequest request) {
        if (!(request.getAttribute(ATTRIBUTE) instanceof Caller caller)) {
            throw new IllegalStateException("no authenticated caller on " + request.getRequestURI());
        }
        return caller;
    }

    private final CallerHeaders headers;
    private final long maxBody;

    public CallerFilter(CallerHeaders headers, long maxBody) {
        this.headers = headers;
        this.maxBody = maxBody;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        byte[] body = request.getContentLengthLong() > maxBody ? null : CachedBodyRequest.read(request, maxBody);
        if (body == null || body.length > maxBody) {
            Problems.write(
                    request,
                    response,
                    Problems.of(
                            CommonErrors.PAYLOAD_TOO_LARGE, "the request body is larger than " + maxBody + " bytes"));
            return;
        }
        Optional<Caller> caller = headers.verify(
                request.getHeader(CallerHeaders.CALLER),
                request.getHeader(CallerHeaders.SIGNATURE),
                request.getMethod(),
                request.getRequestURI(),
                body);
        if (caller.isEmpty()) {
            Problems.write(
                    request,
                    response,
                    Problems.of(
                            CommonErrors.UNAUTHENTICATED,
                            "this service answers only requests signed for it by the api-gateway or another service it trusts"));
            return;
        }
        request.setAttribute(ATTRIBUTE, caller.get());
        chain.doFilter(new CachedBodyRequest(request, body), response);
    }
}
