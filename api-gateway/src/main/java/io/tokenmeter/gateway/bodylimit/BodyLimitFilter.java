package io.tokenmeter.gateway.bodylimit;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.web.ApiError;
import io.tokenmeter.contracts.web.Problems;
import io.tokenmeter.contracts.web.RequestIdFilter;
import io.tokenmeter.gateway.chat.ModelApiErrors;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;

/**
 * Refuses a body over its path's limit ({@link BodyLimitProperties}) with 413 before it is held in memory: at once
 * when its {@code Content-Length} says so (nothing of it is read), else (chunked) as soon as the bytes read pass
 * the limit. Runs before authentication, so an anonymous body is bounded too.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 15)
class BodyLimitFilter extends OncePerRequestFilter {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** 413 on {@code /api}. */
    enum Errors implements ApiError {
        PAYLOAD_TOO_LARGE(new Kind(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "The request body is too large"));

        private final Kind kind;

        Errors(Kind kind) {
            this.kind = kind;
        }

        @Override
        public Kind kind() {
            return kind;
        }
    }

    private final BodyLimitProperties limits;
    private final MeterRegistry meters;

    BodyLimitFilter(BodyLimitProperties limits, MeterRegistry meters) {
        this.limits = limits;
        this.meters = meters;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !(path.startsWith("/v1/") || path.startsWith("/api/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long limit = limits.limitFor(request.getRequestURI());
        if (request.getContentLengthLong() > limit) {
            refuse(request, response, limit);
            return;
        }
        if (request.getHeader("Transfer-Encoding") == null) {
            chain.doFilter(request, response); // no body, or one whose stated length is within the limit
            return;
        }
        // chunked: no length is stated, so the body is read here, at most one byte past the limit, before any
        // handler sees it (a handler that hit the limit mid-read would already have answered for itself)
        byte[] body = request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        if (body.length > limit) {
            refuse(request, response, limit);
            return;
        }
        chain.doFilter(new ReadRequest(request, body), response);
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, long limit) throws IOException {
        meters.counter("tokenmeter.gateway.bodies_refused", "api", request.getRequestURI().startsWith("/v1/") ? "model" : "rest").increment();
        String message = "The request body is larger than this endpoint takes (" + limit + " bytes).";
        response.setHeader("Connection", "close"); // the rest of the body is not read
        if (request.getRequestURI().startsWith("/v1/")) {
            ModelApiErrors.write(request, response, HttpStatus.CONTENT_TOO_LARGE, "invalid_request_error", "request_too_large", message);
            return;
        }
        ProblemDetail problem = Problems.of(Errors.PAYLOAD_TOO_LARGE, message);
        problem.setInstance(URI.create(request.getRequestURI()));
        problem.setProperty("request_id", RequestIdFilter.of(request));
        problem.setProperty("limit_bytes", limit);
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JSON.writeValue(response.getOutputStream(), problem);
    }

    /** A request whose body has been read already; handlers read it from memory. */
    private static final class ReadRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        ReadRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public java.io.BufferedReader getReader() throws IOException {
            String charset = getCharacterEncoding() == null ? "UTF-8" : getCharacterEncoding();
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), charset));
        }

        @Override
        public ServletInputStream getInputStream() {
            java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body has been read already");
                }
            };
        }
    }
}
