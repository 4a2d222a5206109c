package io.tokenmeter.gateway.chat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.web.RequestIdFilter;
import io.tokenmeter.gateway.auth.ApiKeyAuthenticationFilter;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.routing.ModelRouter;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.gateway.usage.TokenEstimator;
import io.tokenmeter.gateway.usage.TokenUsage;
import io.tokenmeter.gateway.usage.UsageNormalizer;
import io.tokenmeter.gateway.usage.UsagePublisher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * {@code POST /v1/chat/completions}: validates the request, forwards it to the model's upstream with the
 * provider's own model name, returns the upstream's answer as it came (streamed event by event when
 * {@code stream} is true), and meters the tokens it reports.
 * Unknown request fields pass through untouched, so provider-specific options keep working.
 */
@RestController
class ChatCompletionsController {

    static final String USAGE_EVENT_HEADER = "X-TokenMeter-Usage-Event-Id";
    private static final Logger log = LoggerFactory.getLogger(ChatCompletionsController.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final ModelRouter router;
    private final UpstreamClient upstream;
    private final UsagePublisher usage;
    private final MeterRegistry meters;
    private final TokenEstimator estimator;
    private final io.tokenmeter.gateway.spool.SpoolingSender spooling;

    ChatCompletionsController(ModelRouter router, UpstreamClient upstream, UsagePublisher usage, MeterRegistry meters,
                              TokenEstimator estimator, io.tokenmeter.gateway.spool.SpoolingSender spooling) {
        this.spooling = spooling;
        this.router = router;
        this.upstream = upstream;
        this.usage = usage;
        this.meters = meters;
        this.estimator = estimator;
    }

    @PostMapping(path = "/v1/chat/completions")
    @Operation(summary = "OpenAI-compatible chat completion, metered per call")
    ResponseEntity<?> complete(@RequestBody(required = false) byte[] body, HttpServletRequest servletRequest,
                               HttpServletResponse servletResponse) {
        Caller caller = ApiKeyAuthenticationFilter.callerOf(servletRequest);
        String requestId = RequestIdFilter.of(servletRequest);

        ObjectNode request;
        try {
            JsonNode parsed = body == null ? null : JSON.readTree(body);
            if (parsed == null || !parsed.isObject()) {
                return invalid(null, "The body must be a JSON object.");
            }
            request = (ObjectNode) parsed;
        } catch (JacksonException e) {
            return invalid(null, "We could not parse the JSON body of your request: " + e.getOriginalMessage());
        }
        JsonNode model = request.get("model");
        if (model == null || !model.isString() || model.asString().isBlank()) {
            return invalid("model", "you must provide a model parameter");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return invalid("messages", "messages must be a non-empty array");
        }
        if (spooling.cannotRecord()) {
            return OpenAiError.response(HttpStatus.SERVICE_UNAVAILABLE, "api_error", "usage_recording_unavailable", null,
                    "Usage cannot be recorded right now, so the call is refused rather than served unmetered; retry shortly.");
        }
        List<ResolvedRoute> routes = router.routes(model.asString());
        if (routes.isEmpty()) {
            return OpenAiError.response(HttpStatus.NOT_FOUND, "invalid_request_error", "model_not_found", "model",
                    "The model '" + model.asString() + "' does not exist or you do not have access to it.");
        }
        ActiveKey key = ApiKeyAuthenticationFilter.keyOf(servletRequest);
        List<ResolvedRoute> allowed = routes.stream().filter(r -> key.allowsRegion(r.region())).toList();
        if (allowed.isEmpty()) {
            return OpenAiError.response(HttpStatus.FORBIDDEN, "permission_error", "region_not_allowed", "model",
                    "The model '" + model.asString() + "' is served only in " + routes.stream().map(ResolvedRoute::region).distinct().toList()
                            + ", and this tenant allows only " + key.allowedRegions().replace(",", ", ") + ".");
        }
        boolean streaming = request.path("stream").asBoolean(false);
        boolean clientAskedForUsage = request.path("stream_options").path("include_usage").asBoolean(false);
        if (streaming) {
            ObjectNode streamOptions = request.has("stream_options") && request.get("stream_options").isObject()
                    ? (ObjectNode) request.get("stream_options") : request.putObject("stream_options");
            streamOptions.put("include_usage", true); // always: a stream without usage could only be estimated
        }
        long started = System.nanoTime();
        Attempt<?> attempt = streaming
                ? firstAnswer(allowed, request, requestId, caller, upstream::stream)
                : firstAnswer(allowed, request, requestId, caller, upstream::send);
        if (attempt.response() == null) {
            return attempt.failure();
        }
        if (streaming) {
            @SuppressWarnings("unchecked")
            HttpResponse<InputStream> answer = (HttpResponse<InputStream>) attempt.response();
            return stream(caller, attempt.route(), request, requestId, answer, clientAskedForUsage, started, servletResponse);
        }
        @SuppressWarnings("unchecked")
        HttpResponse<byte[]> answer = (HttpResponse<byte[]>) attempt.response();
        ResolvedRoute route = attempt.route();
        Duration latency = Duration.ofNanos(System.nanoTime() - started);
        recordLatency(route, Integer.toString(answer.statusCode()), latency);
        TokenUsage tokens = tokensOf(answer.body());
        boolean ok = answer.statusCode() >= 200 && answer.statusCode() < 300;
        UUID eventId = usage.publish(caller, route, tokens, ok ? UsageStatus.SUCCEEDED : UsageStatus.FAILED, requestId, latency);

        ResponseEntity.BodyBuilder response = ResponseEntity.status(answer.statusCode())
                .contentType(answer.headers().firstValue("Content-Type").map(MediaType::parseMediaType).orElse(MediaType.APPLICATION_JSON));
        if (eventId != null) {
            response.header(USAGE_EVENT_HEADER, eventId.toString());
        }
        return response.body(answer.body());
    }

    @FunctionalInterface
    interface UpstreamCall<T> {
        HttpResponse<T> send(ResolvedRoute route, byte[] body, String requestId) throws IOException, InterruptedException;
    }

    /** The route that answered and its answer, or, when none did, the error to give the client. */
    record Attempt<T>(ResolvedRoute route, HttpResponse<T> response, ResponseEntity<OpenAiError> failure) {
    }

    /**
     * Tries the allowed routes in priority order and returns the first answer that is not a server error;
     * moves on after a connect error, a timeout or a 5xx, which happen before any token reaches the client. A
     * failed attempt that reports tokens is metered too: the provider charges for it.
     */
    private <T> Attempt<T> firstAnswer(List<ResolvedRoute> routes, ObjectNode request, String requestId, Caller caller,
                                       UpstreamCall<T> call) {
        ResponseEntity<OpenAiError> failure = null;
        for (int i = 0; i < routes.size(); i++) {
            ResolvedRoute route = routes.get(i);
            boolean last = i == routes.size() - 1;
            ObjectNode forRoute = request.deepCopy();
            forRoute.put("model", route.upstreamModel());
            long started = System.nanoTime();
            try {
                HttpResponse<T> answer = call.send(route, JSON.writeValueAsBytes(forRoute), requestId);
                if (answer.statusCode() < 500 || last) {
                    return new Attempt<>(route, answer, null);
                }
                upstreamError(route, "5xx");
                discard(answer, route, caller, requestId, Duration.ofNanos(System.nanoTime() - started));
                failure = OpenAiError.response(HttpStatus.BAD_GATEWAY, "api_error", "upstream_error", null,
                        "The provider serving " + route.model() + " in " + route.region() + " failed to answer.");
            } catch (HttpConnectTimeoutException | ConnectException e) {
                upstreamError(route, "connect");
                failure = OpenAiError.response(HttpStatus.BAD_GATEWAY, "api_error", "upstream_unavailable", null,
                        "The provider serving " + route.model() + " in " + route.region() + " could not be reached.");
            } catch (HttpTimeoutException e) {
                upstreamError(route, "timeout");
                failure = OpenAiError.response(HttpStatus.GATEWAY_TIMEOUT, "api_error", "upstream_timeout", null,
                        "The provider serving " + route.model() + " in " + route.region() + " did not answer in time.");
            } catch (IOException e) {
                upstreamError(route, "io");
                log.warn("upstream {} failed: {}", route, e.toString());
                failure = OpenAiError.response(HttpStatus.BAD_GATEWAY, "api_error", "upstream_error", null,
                        "The provider serving " + route.model() + " in " + route.region() + " failed to answer.");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Attempt<>(route, null, OpenAiError.response(HttpStatus.SERVICE_UNAVAILABLE, "api_error", "shutting_down",
                        null, "The gateway is shutting down."));
            }
            if (!last) {
                log.info("falling back from {} to {} for request {}", route, routes.get(i + 1), requestId);
            }
        }
        return new Attempt<>(null, null, failure);
    }

    private void discard(HttpResponse<?> answer, ResolvedRoute route, Caller caller, String requestId, Duration latency) {
        try {
            byte[] body = answer.body() instanceof InputStream in ? in.readAllBytes() : (byte[]) answer.body();
            if (answer.body() instanceof InputStream in) {
                in.close();
            }
            usage.publish(caller, route, tokensOf(body), UsageStatus.FAILED, requestId, latency);
        } catch (IOException ignored) {
            // an error body we could not read reported no usage we could bill
        }
    }

    /**
     * Streams the upstream's events to the client as they come and meters the call whatever happens: with the
     * usage the upstream reports (always asked for, hidden from a client that did not ask), or, when the stream
     * is cut short before it, an estimate from the prompt and the text streamed so far, marked estimated.
     */
    private ResponseEntity<?> stream(Caller caller, ResolvedRoute route, ObjectNode request, String requestId,
                                     HttpResponse<InputStream> answer, boolean clientAskedForUsage, long started,
                                     HttpServletResponse response) {
        if (answer.statusCode() < 200 || answer.statusCode() >= 300) {
            try (InputStream error = answer.body()) {
                byte[] bytes = error.readAllBytes();
                usage.publish(caller, route, tokensOf(bytes), UsageStatus.FAILED, requestId, Duration.ofNanos(System.nanoTime() - started));
                return ResponseEntity.status(answer.statusCode()).contentType(MediaType.APPLICATION_JSON).body(bytes);
            } catch (IOException e) {
                upstreamError(route, "io");
                return OpenAiError.response(HttpStatus.BAD_GATEWAY, "api_error", "upstream_error", null,
                        "The provider serving " + route.model() + " failed to answer.");
            }
        }
        UUID eventId = EventIds.newEventId();
        response.setStatus(200);
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        response.setHeader(USAGE_EVENT_HEADER, eventId.toString());
        StreamRelay.Outcome outcome;
        try (InputStream body = answer.body()) {
            outcome = StreamRelay.relay(body, response.getOutputStream(), clientAskedForUsage);
        } catch (IOException e) {
            outcome = new StreamRelay.Outcome(null, "", false, true, false);
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - started);
        boolean estimated = outcome.reportedUsage() == null;
        TokenUsage tokens = estimated
                ? new TokenUsage(estimator.promptTokens(request.path("messages")), 0, 0,
                        Math.max(estimator.count(outcome.streamedText()), outcome.streamedText().isEmpty() ? 0 : 1), 0)
                : outcome.reportedUsage();
        UsageStatus status = outcome.clientGone() ? UsageStatus.CANCELLED
                : outcome.upstreamFailed() || !outcome.completed() ? UsageStatus.FAILED : UsageStatus.SUCCEEDED;
        if (estimated) {
            meters.counter("tokenmeter.gateway.usage_estimated", "model", route.model(), "reason",
                    outcome.clientGone() ? "client_gone" : "no_usage_reported").increment();
        }
        usage.publish(eventId, caller, route, tokens, estimated, status, requestId, latency);
        recordLatency(route, "stream", latency);
        return null; // the response has been written
    }

    private void recordLatency(ResolvedRoute route, String status, Duration latency) {
        Timer.builder("tokenmeter.gateway.upstream.latency").tag("model", route.model()).tag("provider", route.provider())
                .tag("region", route.region()).tag("status", status).register(meters).record(latency);
    }

    private static TokenUsage tokensOf(byte[] body) {
        try {
            return UsageNormalizer.normalize(JSON.readTree(body).get("usage"));
        } catch (JacksonException notJson) {
            return TokenUsage.NONE;
        }
    }

    private void upstreamError(ResolvedRoute route, String kind) {
        meters.counter("tokenmeter.gateway.upstream.errors", "model", route.model(), "provider", route.provider(),
                "region", route.region(), "kind", kind).increment();
    }

    private static ResponseEntity<OpenAiError> invalid(String param, String message) {
        return OpenAiError.response(HttpStatus.BAD_REQUEST, "invalid_request_error", null, param, message);
    }
}
