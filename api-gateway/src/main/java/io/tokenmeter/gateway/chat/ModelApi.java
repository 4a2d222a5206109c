package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.prices.CallCosts;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.usage.TokenEstimator;
import io.tokenmeter.gateway.usage.TokenUsage;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.function.Function;

/**
 * What differs between the model APIs the gateway serves (OpenAI chat completions, Anthropic Messages): which
 * endpoint of an upstream speaks it, how the upstream is authenticated, what errors look like to the client and
 * how a stream reports its usage. Routing, fallback and metering are the same for all ({@link ModelCalls}).
 */
interface ModelApi {

    /** The route's endpoint for this API; {@code null} when its upstream does not speak it. */
    URI endpoint(ResolvedRoute route);

    /** Adds the upstream's credential and the API's own headers to a request for the upstream. */
    void authenticate(HttpRequest.Builder upstreamRequest, ResolvedRoute route);

    /** An error in this API's shape; {@code param} names the request field at fault, where there is one. */
    ResponseEntity<?> error(ModelApiError error, String param, String message);

    /**
     * A new watcher for one streamed answer; {@code pricer} prices the usage the upstream reports, for the usage the
     * client sees.
     */
    StreamWatcher watcher(Function<TokenUsage, CallCosts.Priced> pricer);

    /** The prompt's tokens, estimated, for a stream cut short before the upstream reported them. */
    long estimatePromptTokens(TokenEstimator estimator, JsonNode request);

    /** Everything a plain (non-streamed) answer generated, as text: for an estimate when it reports no usage. */
    String answerText(JsonNode answer);

    /** The request fields that bound (or multiply) the output an upstream may generate. */
    OutputFields outputFields();

    /** The message to give when a known model has no upstream that speaks this API. */
    String notServedHere(String model);
}
