package io.tokenmeter.contracts.usage;

import java.util.Set;

/**
 * A route the gateway tried before the one that served the call, and why it moved on: {@code connect} (refused or
 * timed out connecting), {@code timeout} (no answer in time), {@code 5xx} (the upstream failed) or {@code io} (the
 * connection broke). Shown in the request log beside the region that finally served the call.
 */
public record UpstreamAttempt(String provider, String region, String error) {

    public static final Set<String> ERRORS = Set.of("connect", "timeout", "5xx", "io");
}
