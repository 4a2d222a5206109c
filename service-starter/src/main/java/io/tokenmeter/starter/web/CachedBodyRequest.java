package io.tokenmeter.starter.web;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;

/**
 * A request whose body has been read already (bounded by whoever read it), so that it can be hashed for a signature and
 * still be read by the handler, from memory. The bytes are also under {@link #ATTRIBUTE}.
 */
public final class CachedBodyRequest extends HttpServletRequestWrapper {

    public static final String ATTRIBUTE = CachedBodyRequest.class.getName() + ".body";

    private final byte[] body;

    public CachedBodyRequest(HttpServletRequest request, byte[] body) {
        super(request);
        this.body = body;
        request.setAttribute(ATTRIBUTE, body);
    }

    /** The body read earlier in this request, or null when none was. */
    public static byte[] bodyOf(HttpServletRequest request) {
        return (byte[]) request.getAttribute(ATTRIBUTE);
    }

    /** Reads at most {@code limit + 1} bytes of the request's body: more than {@code limit} means it is too large. */
    public static byte[] read(HttpServletRequest request, long limit) throws IOException {
        return request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
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
    public BufferedReader getReader() throws IOException {
        String charset = getCharacterEncoding() == null ? "UTF-8" : getCharacterEncoding();
        return new BufferedReader(new InputStreamReader(getInputStream(), charset));
    }

    @Override
    public ServletInputStream getInputStream() {
        ByteArrayInputStream in = new ByteArrayInputStream(body);
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
