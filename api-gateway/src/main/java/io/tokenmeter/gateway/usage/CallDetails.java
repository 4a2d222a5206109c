package io.tokenmeter.gateway.usage;

import io.tokenmeter.contracts.usage.UpstreamAttempt;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * What the request log shows of a call beyond its tokens: whether it streamed, how long until the first answer data
 * went out ({@code null} when none did), the routes tried before the one that served it, and what its answer showed
 * it cost ({@code null} when it could not be priced).
 */
public record CallDetails(
        boolean streamed, Duration firstToken, List<UpstreamAttempt> attempts, BigDecimal cost, String costCurrency) {

    public CallDetails {
        attempts = List.copyOf(attempts);
    }

    /** Details without a cost (an attempt that failed, or a call that could not be priced). */
    public CallDetails(boolean streamed, Duration firstToken, List<UpstreamAttempt> attempts) {
        this(streamed, firstToken, attempts, null, null);
    }

    /** The same details, with what the answer showed the call cost. */
    public CallDetails withCost(BigDecimal amount, String currency) {
        return new CallDetails(streamed, firstToken, attempts, amount, currency);
    }
}
