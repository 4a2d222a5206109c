package io.tokenmeter.gateway.proxy;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import org.springframework.core.retry.RetryException;
import org.springframework.core.retry.RetryPolicy;
import org.springframework.core.retry.RetryTemplate;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The gateway's own calls to a service (pricing's rate cards, billing's leases): signed for the caller, retried. */
public final class SignedCalls {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI service;
    private final CallerHeaders callers;

    public SignedCalls(URI service, CallerHeaders callers) {
        this.service = service;
        this.callers = callers;
    }

    /** Tries a call again, twice, 100 ms apart, after a failure of this kind. */
    public static RetryTemplate retrying(Class<? extends Throwable> failure) {
        return new RetryTemplate(RetryPolicy.builder()
                .maxRetries(2)
                .delay(Duration.ofMillis(100))
                .includes(failure)
                .build());
    }

    /**
     * {@code method path?query} with {@code body} (none when null), signed as {@code caller}; the retries' last
     * failure is thrown (its cause says what failed). The thread's interrupt is kept.
     */
    public HttpResponse<String> send(
            Caller caller, String method, String path, String query, byte[] body, RetryTemplate retry)
            throws RetryException {
        CallerHeaders.Signed signed = callers.sign(caller, method, path, body);
        HttpRequest request = HttpRequest.newBuilder(service.resolve(path + query))
                .timeout(Duration.ofSeconds(5))
                .header(CallerHeaders.CALLER, signed.caller())
                .header(CallerHeaders.SIGNATURE, signed.signature())
                .header("Content-Type", "application/json")
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            return retry.execute(() -> http.send(request, HttpResponse.BodyHandlers.ofString()));
        } catch (RetryException e) {
            if (e.getCause() instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw e;
        }
    }
}
