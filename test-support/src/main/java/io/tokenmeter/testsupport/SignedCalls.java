package io.tokenmeter.testsupport;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

/** A test playing the gateway: requests to a service, signed as the gateway signs them, with this JVM's test key. */
public final class SignedCalls {

    private static final CallerHeaders GATEWAY = new CallerHeaders(
            "gateway",
            CallerHeaders.privateKey(RealInfrastructureInitializer.GATEWAY_KEYS[0]),
            Map.of(),
            Clock.systemUTC());
    private static final CallerHeaders BILLING = new CallerHeaders(
            "billing",
            CallerHeaders.privateKey(RealInfrastructureInitializer.BILLING_KEYS[0]),
            Map.of(),
            Clock.systemUTC());

    /** The two headers the gateway would send for this request; for tests that replay or tamper with them. */
    public static CallerHeaders.Signed gatewayHeaders(Caller caller, String method, String path, byte[] body) {
        return GATEWAY.sign(caller, method, path, body);
    }

    /** The two headers billing would send for this request. */
    public static CallerHeaders.Signed billingHeaders(Caller caller, String method, String path, byte[] body) {
        return BILLING.sign(caller, method, path, body);
    }

    private SignedCalls() {}

    /**
     * A request to {@code base + path} as {@code caller}, with {@code body} (null: none) as JSON unless {@code
     * contentType} says otherwise.
     */
    public static HttpRequest request(
            String base, String method, String path, Caller caller, String body, String contentType) {
        return builder(base, method, path, caller, body, contentType).build();
    }

    public static HttpRequest.Builder builder(
            String base, String method, String path, Caller caller, String body, String contentType) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        URI uri = URI.create(base + path);
        CallerHeaders.Signed signed = GATEWAY.sign(caller, method, uri.getRawPath(), bytes);
        return HttpRequest.newBuilder(uri)
                .header(CallerHeaders.CALLER, signed.caller())
                .header(CallerHeaders.SIGNATURE, signed.signature())
                .header("Content-Type", contentType)
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(bytes));
    }

    public static HttpRequest request(String base, String method, String path, Caller caller, String body) {
        return request(base, method, path, caller, body, "application/json");
    }
}
