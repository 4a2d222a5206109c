package io.tokenmeter.gateway.chat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.usage.BudgetCharge;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UpstreamAttempt;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.gateway.budgets.CallBudgets;
import io.tokenmeter.gateway.budgets.OutputBound;
import io.tokenmeter.gateway.keys.ActiveKey;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.prices.CallCosts;
import io.tokenmeter.gateway.prices.PriceProperties;
import io.tokenmeter.gateway.routing.ModelRouter;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.spool.SpoolingSender;
import io.tokenmeter.gateway.usage.CallDetails;
import io.tokenmeter.gateway.usage.TokenEstimator;
import io.tokenmeter.gateway.usage.TokenUsage;
import io.tokenmeter.gateway.usage.UsageNormalizer;
import io.tokenmeter.gateway.usage.UsagePublisher;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * One metered model call, whatever the API: picks the model's routes that speak the API and that the tenant's
 * regions allow, forwards the request with the provider's own model name (falling back along the routes),
 * returns the upstream's answer as it came (streamed event by event when asked) and emits one usage event for
 * every attempt that consumed tokens.
 */
@Component
class ModelCalls {

    static final String USAGE_EVENT_HEADER = "X-TokenMeter-Usage-Event-Id";
    /** A plain answer's cost and currency ({@code 0.0000412 USD}); absent when it cannot be priced. */
    static final String COST_HEADER = "X-TokenMeter-Cost";

    private static final Logger log = LoggerFactory.getLogger(ModelCalls.class);
    private static final JsonMapper JSON = WireJson.MAPPER;

    private final ModelRouter router;
    private final UpstreamClient upstream;
    private final UsagePublisher usage;
    private final MeterRegistry meters;
    private final TokenEstimator estimator;
    private final SpoolingSender spooling;
    private final CallBudgets budgets;
    private final CallCosts costs;
    private final boolean showCost;

    ModelCalls(
            ModelRouter router,
            UpstreamClient upstream,
            UsagePublisher usage,
            MeterRegistry meters,
            TokenEstimator estimator,
            SpoolingSender spooling,
            CallBudgets budgets,
            CallCosts costs,
            PriceProperties prices) {
        this.router = router;
        this.costs = costs;
        this.showCost = prices.showCost();
        this.upstream = upstream;
        this.usage = usage;
        this.meters = meters;
        this.estimator = estimator;
        this.spooling = spooling;
        this.budgets = budgets;
    }

    /** Forwards a validated request; returns the response to give, or {@code null} when a stream has been written. */
    ResponseEntity<?> forward(ModelCall call, HttpServletResponse servletResponse) {
        ModelApi api = call.api();
        ActiveKey key = call.key();
        String model = call.model();
        OutputBound output;
        try {
            output = api.outputFields().read(call.request());
        } catch (OutputFields.Invalid invalid) {
            return api.error(ModelApiError.INVALID_VALUE, invalid.field, invalid.getMessage());
        }
        List<ResolvedRoute> routes = router.routes(model);
        if (routes.isEmpty()) {
            return api.error(
                    ModelApiError.MODEL_NOT_FOUND,
                    "model",
                    "The model '" + model + "' does not exist or you do not have access to it.");
        }
        List<ResolvedRoute> speaking =
                routes.stream().filter(r -> api.endpoint(r) != null).toList();
        if (speaking.isEmpty()) {
            return api.error(ModelApiError.MODEL_NOT_FOUND, "model", api.notServedHere(model));
        }
        List<ResolvedRoute> allowed =
                speaking.stream().filter(r -> key.allowsRegion(r.region())).toList();
        if (allowed.isEmpty()) {
            return api.error(
                    ModelApiError.REGION_NOT_ALLOWED,
                    "model",
                    "The model '" + model + "' is served only in "
                            + speaking.stream()
                                    .map(ResolvedRoute::region)
                                    .distinct()
                                    .toList() + ", and this tenant allows only "
                            + key.allowedRegions().replace(",", ", ") + ".");
        }
        SpoolingSender.Admission recording = spooling.admit();
        if (recording == null) {
            return api.error(
                    ModelApiError.USAGE_RECORDING_UNAVAILABLE,
                    null,
                    "Usage cannot be recorded right now, so the call is refused rather than served unmetered; retry shortly.");
        }
        try (recording) {
            return admitted(call, allowed, output, recording, servletResponse);
        }
    }

    /** A call whose usage can be recorded: its budgets are held, then its routes called. */
    private ResponseEntity<?> admitted(
            ModelCall call,
            List<ResolvedRoute> allowed,
            OutputBound output,
            SpoolingSender.Admission recording,
            HttpServletResponse servletResponse) {
        CallBudgets.Hold hold;
        try {
            // an upper bound of the prompt's tokens: each token of the providers' byte-level tokenizers covers at
            // least one byte of the text, and the JSON around the text outweighs the chat template's own tokens. The
            // body as the client sent it: its text is never shorter than re-encoded (an escape is longer than its
            // character), and it need not be written again to be measured
            hold = budgets.reserve(call.key(), allowed, call::bodyBytes, output);
        } catch (CallBudgets.Refused refused) {
            CallBudgets.Refusal r = refused.refusal();
            return call.api().error(r.error(), null, r.message());
        }
        try {
            return callRoutes(
                    call,
                    new Metering(call.caller(), call.key().currency(), call.requestId(), hold, recording),
                    allowed,
                    servletResponse);
        } finally {
            hold.settle();
        }
    }

    /** One model call as a controller validated it: which API, who calls with which key, and the request. */
    record ModelCall(
            ModelApi api,
            Caller caller,
            ActiveKey key,
            String model,
            ObjectNode request,
            int bodyBytes,
            boolean streaming,
            String requestId) {}

    /** Who a call's usage is billed to, and where its tokens are held and recorded: one per call, for every attempt. */
    private record Metering(
            Caller caller,
            String currency,
            String requestId,
            CallBudgets.Hold hold,
            SpoolingSender.Admission recording) {}

    /** prices a call's tokens on the route that served it, for its answer; null when answers carry no cost. */
    private CallCosts.Priced price(Metering metering, ResolvedRoute route, TokenUsage tokens) {
        return showCost ? costs.price(metering.caller(), metering.currency(), route, tokens) : null;
    }

    /** The admitted call itself: the first allowed route that answers, its answer relayed and every attempt metered. */
    private ResponseEntity<?> callRoutes(
            ModelCall call, Metering metering, List<ResolvedRoute> allowed, HttpServletResponse servletResponse) {
        ModelApi api = call.api();
        ObjectNode request = call.request();
        boolean streaming = call.streaming();
        String requestId = metering.requestId();
        long started = System.nanoTime();
        if (streaming) {
            Attempt<InputStream> attempt = firstAnswer(
                    api, allowed, request, metering, (route, body) -> upstream.stream(api, route, body, requestId));
            return attempt.response() == null
                    ? attempt.failure()
                    : stream(
                            api,
                            metering,
                            attempt.route(),
                            request,
                            attempt.response(),
                            attempt.failedBefore(),
                            started,
                            servletResponse);
        }
        Attempt<byte[]> attempt = firstAnswer(
                api, allowed, request, metering, (route, body) -> upstream.send(api, route, body, requestId));
        if (attempt.response() == null) {
            return attempt.failure();
        }
        HttpResponse<byte[]> answer = attempt.response();
        ResolvedRoute route = attempt.route();
        Duration latency = Duration.ofNanos(System.nanoTime() - started);
        recordLatency(route, Integer.toString(answer.statusCode()), latency);
        boolean ok = answer.statusCode() >= 200 && answer.statusCode() < 300;
        TokenUsage tokens = reportedUsage(answer.body());
        boolean estimated =
                ok && tokens == null; // an answer served is billed: counted here when the upstream did not say
        if (estimated) {
            tokens = estimatePlain(api, request, answer.body());
            meters.counter("tokenmeter.gateway.usage_estimated", "model", route.model(), "reason", "no_usage_reported")
                    .increment();
        }
        CallCosts.Priced priced = ok && tokens != null ? price(metering, route, tokens) : null;
        UUID eventId = meter(
                metering,
                route,
                tokens == null ? TokenUsage.NONE : tokens,
                estimated,
                ok ? UsageStatus.SUCCEEDED : UsageStatus.FAILED,
                latency,
                withCost(new CallDetails(false, latency, attempt.failedBefore()), priced));

        ResponseEntity.BodyBuilder response = ResponseEntity.status(answer.statusCode())
                .contentType(answer.headers()
                        .firstValue("Content-Type")
                        .map(MediaType::parseMediaType)
                        .orElse(MediaType.APPLICATION_JSON));
        if (eventId != null) {
            response.header(USAGE_EVENT_HEADER, eventId.toString());
        }
        byte[] body = answer.body();
        if (priced != null) {
            String header = CostFields.header(priced);
            if (header != null) {
                response.header(COST_HEADER, header);
            }
            body = withCost(body, priced);
        }
        return response.body(body);
    }

    /** The details with the call's cost when it has one: the request log shows what the answer showed. */
    private static CallDetails withCost(CallDetails details, CallCosts.Priced priced) {
        return priced instanceof CallCosts.Cost cost ? details.withCost(cost.total(), cost.currency()) : details;
    }

    /** The answer with its cost in its usage object; unchanged when it is not a JSON object with one. */
    private static byte[] withCost(byte[] body, CallCosts.Priced priced) {
        try {
            JsonNode answer = JSON.readTree(body);
            if (answer != null && answer.get("usage") instanceof ObjectNode usage) {
                CostFields.write(usage, priced);
                return JSON.writeValueAsBytes(answer);
            }
        } catch (JacksonException notJson) {
            // passed on as it came
        }
        return body;
    }

    @FunctionalInterface
    private interface UpstreamCall<T> {
        HttpResponse<T> send(ResolvedRoute route, byte[] body) throws IOException, InterruptedException;
    }

    /**
     * The route that answered and its answer, or, when none did, the error to give the client; and the routes tried
     * before, with why each was left.
     */
    private record Attempt<T>(
            ResolvedRoute route,
            HttpResponse<T> response,
            ResponseEntity<?> failure,
            List<UpstreamAttempt> failedBefore) {}

    /**
     * Tries the allowed routes in priority order and returns the first answer that is not a server error;
     * moves on after a connect error, a timeout or a 5xx, which happen before any token reaches the client. A
     * failed attempt that reports tokens is metered too: the provider charges for it.
     */
    private <T> Attempt<T> firstAnswer(
            ModelApi api, List<ResolvedRoute> routes, ObjectNode request, Metering metering, UpstreamCall<T> call) {
        String requestId = metering.requestId();
        ResponseEntity<?> failure = null;
        List<UpstreamAttempt> failed = new ArrayList<>();
        for (int i = 0; i < routes.size(); i++) {
            ResolvedRoute route = routes.get(i);
            boolean last = i == routes.size() - 1;
            request.put(
                    "model",
                    route.upstreamModel()); // only the model differs per route: no copy of the whole body per call
            long started = System.nanoTime();
            try {
                HttpResponse<T> answer = call.send(route, JSON.writeValueAsBytes(request));
                if (answer.statusCode() < 500 || last) {
                    return new Attempt<>(route, answer, null, failed);
                }
                upstreamError(route, "5xx");
                failed.add(new UpstreamAttempt(route.provider(), route.region(), "5xx"));
                discard(answer, route, metering, Duration.ofNanos(System.nanoTime() - started));
                failure = api.error(
                        ModelApiError.UPSTREAM_ERROR,
                        null,
                        "The provider serving " + route.model() + " in " + route.region() + " failed to answer.");
            } catch (HttpConnectTimeoutException | ConnectException e) {
                upstreamError(route, "connect");
                failed.add(new UpstreamAttempt(route.provider(), route.region(), "connect"));
                failure = api.error(
                        ModelApiError.UPSTREAM_UNAVAILABLE,
                        null,
                        "The provider serving " + route.model() + " in " + route.region() + " could not be reached.");
            } catch (HttpTimeoutException e) {
                upstreamError(route, "timeout");
                failed.add(new UpstreamAttempt(route.provider(), route.region(), "timeout"));
                failure = api.error(
                        ModelApiError.UPSTREAM_TIMEOUT,
                        null,
                        "The provider serving " + route.model() + " in " + route.region() + " did not answer in time.");
            } catch (IOException e) {
                upstreamError(route, "io");
                failed.add(new UpstreamAttempt(route.provider(), route.region(), "io"));
                log.warn("upstream {} failed: {}", route, e.toString());
                failure = api.error(
                        ModelApiError.UPSTREAM_ERROR,
                        null,
                        "The provider serving " + route.model() + " in " + route.region() + " failed to answer.");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Attempt<>(
                        route,
                        null,
                        api.error(ModelApiError.SHUTTING_DOWN, null, "The gateway is shutting down."),
                        failed);
            }
            if (!last) {
                log.info("falling back from {} to {} for request {}", route, routes.get(i + 1), requestId);
            }
        }
        return new Attempt<>(null, null, failure, failed);
    }

    private void discard(HttpResponse<?> answer, ResolvedRoute route, Metering metering, Duration latency) {
        try {
            byte[] body = answer.body() instanceof InputStream in ? in.readAllBytes() : (byte[]) answer.body();
            if (answer.body() instanceof InputStream in) {
                in.close();
            }
            meter(
                    metering,
                    route,
                    tokensOf(body),
                    false,
                    UsageStatus.FAILED,
                    latency,
                    new CallDetails(false, null, List.of()));
        } catch (IOException ignored) {
            // an error body we could not read reported no usage we could bill
        }
    }

    /**
     * Streams the upstream's events to the client as they come and meters the call whatever happens: with the
     * usage the upstream reports, or, when the stream is cut short before it, an estimate (what the upstream
     * reported of the prompt, else the prompt counted, plus the text streamed so far), marked estimated.
     */
    private ResponseEntity<?> stream(
            ModelApi api,
            Metering metering,
            ResolvedRoute route,
            ObjectNode request,
            HttpResponse<InputStream> answer,
            List<UpstreamAttempt> failedBefore,
            long started,
            HttpServletResponse response) {
        if (answer.statusCode() < 200 || answer.statusCode() >= 300) {
            try (InputStream error = answer.body()) {
                byte[] bytes = error.readAllBytes();
                meter(
                        metering,
                        route,
                        tokensOf(bytes),
                        false,
                        UsageStatus.FAILED,
                        Duration.ofNanos(System.nanoTime() - started),
                        new CallDetails(true, null, failedBefore));
                return ResponseEntity.status(answer.statusCode())
                        .contentType(MediaType.APPLICATION_JSON)
                        .body(bytes);
            } catch (IOException e) {
                upstreamError(route, "io");
                return api.error(
                        ModelApiError.UPSTREAM_ERROR,
                        null,
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
        StreamWatcher watcher = api.watcher(tokens -> price(metering, route, tokens));
        StreamRelay.Outcome outcome;
        try (InputStream body = answer.body()) {
            outcome = StreamRelay.relay(body, response.getOutputStream(), watcher);
        } catch (IOException e) {
            outcome = new StreamRelay.Outcome(true, false, 0);
        }
        Duration latency = Duration.ofNanos(System.nanoTime() - started);
        TokenUsage tokens = watcher.reportedUsage();
        boolean estimated = tokens == null;
        if (estimated) {
            tokens = estimate(api, request, watcher);
            meters.counter(
                            "tokenmeter.gateway.usage_estimated",
                            "model",
                            route.model(),
                            "reason",
                            outcome.clientGone() ? "client_gone" : "no_usage_reported")
                    .increment();
        }
        UsageStatus status = outcome.clientGone()
                ? UsageStatus.CANCELLED
                : outcome.upstreamFailed() || !watcher.completed() ? UsageStatus.FAILED : UsageStatus.SUCCEEDED;
        List<BudgetCharge> charges = metering.hold().charge(route, tokens);
        usage.publish(
                eventId,
                metering.caller(),
                route,
                tokens,
                estimated,
                status,
                metering.requestId(),
                latency,
                charges,
                withCost(
                        new CallDetails(
                                true,
                                outcome.firstDataSentNanos() == 0
                                        ? null
                                        : Duration.ofNanos(outcome.firstDataSentNanos() - started),
                                failedBefore),
                        price(metering, route, tokens)),
                metering.recording());
        recordLatency(route, "stream", latency);
        return null; // the response has been written
    }

    /** One attempt's usage: emitted as a usage event and charged to the call's budget hold. */
    private UUID meter(
            Metering metering,
            ResolvedRoute route,
            TokenUsage tokens,
            boolean estimated,
            UsageStatus status,
            Duration latency,
            CallDetails details) {
        List<BudgetCharge> charges = metering.hold().charge(route, tokens);
        return usage.publish(
                EventIds.newEventId(),
                metering.caller(),
                route,
                tokens,
                estimated,
                status,
                metering.requestId(),
                latency,
                charges,
                details,
                metering.recording());
    }

    /**
     * A plain answer that reported no usage: the prompt counted, and everything the answer generated (the whole body
     * when it is not JSON, which over-counts rather than under-counts); never zero when text came back.
     */
    private TokenUsage estimatePlain(ModelApi api, ObjectNode request, byte[] body) {
        String text;
        try {
            JsonNode answer = JSON.readTree(body);
            text = answer != null && answer.isObject()
                    ? api.answerText(answer)
                    : new String(body, java.nio.charset.StandardCharsets.UTF_8);
        } catch (JacksonException notJson) {
            text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
        long output = Math.max(estimator.count(text), text.isEmpty() ? 0 : 1);
        return new TokenUsage(api.estimatePromptTokens(estimator, request), 0, 0, output, 0);
    }

    private TokenUsage estimate(ModelApi api, ObjectNode request, StreamWatcher watcher) {
        String text = watcher.streamedText();
        long output = Math.max(estimator.count(text), text.isEmpty() ? 0 : 1);
        TokenUsage prompt = watcher.reportedPromptUsage();
        return prompt != null
                ? new TokenUsage(prompt.input(), prompt.cachedInput(), prompt.cacheWrite(), output, 0)
                : new TokenUsage(api.estimatePromptTokens(estimator, request), 0, 0, output, 0);
    }

    private void recordLatency(ResolvedRoute route, String status, Duration latency) {
        Timer.builder("tokenmeter.gateway.upstream.latency")
                .tag("model", route.model())
                .tag("provider", route.provider())
                .tag("region", route.region())
                .tag("status", status)
                .register(meters)
                .record(latency);
    }

    /** The usage the answer reports; null when it has none (not JSON, or no usage object). */
    private static TokenUsage reportedUsage(byte[] body) {
        try {
            JsonNode root = body == null || body.length == 0 ? null : JSON.readTree(body);
            JsonNode reported = root == null ? null : root.get("usage");
            return reported != null && reported.isObject() ? UsageNormalizer.normalize(reported) : null;
        } catch (JacksonException notJson) {
            return null;
        }
    }

    private static TokenUsage tokensOf(byte[] body) {
        try {
            return UsageNormalizer.normalize(JSON.readTree(body).get("usage"));
        } catch (JacksonException notJson) {
            return TokenUsage.NONE;
        }
    }

    private void upstreamError(ResolvedRoute route, String kind) {
        meters.counter(
                        "tokenmeter.gateway.upstream.errors",
                        "model",
                        route.model(),
                        "provider",
                        route.provider(),
                        "region",
                        route.region(),
                        "kind",
                        kind)
                .increment();
    }
}
