package io.tokenmeter.gateway.usage;

import io.tokenmeter.contracts.usage.UpstreamAttempt;

import java.time.Duration;
import java.util.List;

/**
 * What the request log shows of a call beyond its tokens: whether it streamed, how long until the first answer data
 * went out ({@code null} when none did), and the routes tried before the one that served it.
 */
public record CallDetails(boolean streamed, Duration firstToken, List<UpstreamAttempt> attempts) {

    public CallDetails {
        attempts = List.copyOf(attempts);
    }
}
