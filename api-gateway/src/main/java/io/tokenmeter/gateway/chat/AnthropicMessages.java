package io.tokenmeter.gateway.chat;

import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.gateway.modelapi.AnthropicError;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
import io.tokenmeter.gateway.prices.CallCosts;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.usage.TokenEstimator;
import io.tokenmeter.gateway.usage.TokenUsage;
import io.tokenmeter.gateway.usage.UsageNormalizer;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;
import java.util.function.Function;

/**
 * Anthropic's Messages API, which GLM, Kimi, MiniMax and others serve for coding agents. The upstream is
 * authenticated with {@code x-api-key}; the client's {@code anthropic-version} and {@code anthropic-beta}
 * headers pass through. A stream reports the prompt's usage in {@code message_start} and the final counts in
 * {@code message_delta} (output always; some providers put the input there too, having sent 0 at the start),
 * and ends with {@code message_stop}. Nothing is hidden from the client: Anthropic streams always carry usage.
 */
record AnthropicMessages(String anthropicVersion, String anthropicBeta) implements ModelApi {

    static final String PATH = ModelApiErrors.MESSAGES_PATH;
    static final String DEFAULT_VERSION = "2023-06-01";
    private static final JsonMapper JSON = WireJson.MAPPER;

    @Override
    public URI endpoint(ResolvedRoute route) {
        return route.messagesUri();
    }

    @Override
    public void authenticate(HttpRequest.Builder upstreamRequest, ResolvedRoute route) {
        if (route.apiKey() != null) {
            upstreamRequest.header("x-api-key", route.apiKey());
        }
        upstreamRequest.header("anthropic-version", anthropicVersion == null ? DEFAULT_VERSION : anthropicVersion);
        if (anthropicBeta != null) {
            upstreamRequest.header("anthropic-beta", anthropicBeta);
        }
    }

    @Override
    public ResponseEntity<AnthropicError> error(ModelApiError error, String param, String message) {
        return ModelApiErrors.anthropic(error, message);
    }

    @Override
    public StreamWatcher watcher(Function<TokenUsage, CallCosts.Priced> pricer) {
        return new Watcher(pricer);
    }

    /** The system prompt counts as one more message. */
    @Override
    public long estimatePromptTokens(TokenEstimator estimator, JsonNode request) {
        JsonNode system = request.get("system");
        long systemTokens = system == null || system.isNull()
                ? 0
                : estimator.promptTokens(
                        JSON.createArrayNode().add(JSON.createObjectNode().set("content", system)));
        return systemTokens + estimator.promptTokens(request.path("messages"));
    }

    /** Text, thinking and tool-use input of every content block. */
    @Override
    public String answerText(JsonNode answer) {
        StringBuilder text = new StringBuilder();
        for (JsonNode block : answer.path("content")) {
            text.append(block.path("text").asString(""))
                    .append(block.path("thinking").asString(""));
            if (block.has("input")) {
                text.append(block.path("name").asString("")).append(JSON.writeValueAsString(block.get("input")));
            }
        }
        return text.toString();
    }

    @Override
    public OutputFields outputFields() {
        return OutputFields.ANTHROPIC;
    }

    @Override
    public String notServedHere(String model) {
        return "The model '" + model
                + "' is not served through an Anthropic-compatible endpoint; call it on /v1/chat/completions.";
    }

    private static final class Watcher implements StreamWatcher {

        private final Function<TokenUsage, CallCosts.Priced> pricer;
        private final StringBuilder text = new StringBuilder();
        private ObjectNode usageSoFar;
        private TokenUsage finalUsage;
        private boolean completed;

        Watcher(Function<TokenUsage, CallCosts.Priced> pricer) {
            this.pricer = pricer;
        }

        @Override
        public String onData(String data) {
            JsonNode event = OpenAiChat.parse(data);
            if (event == null) {
                return data;
            }
            switch (event.path("type").asString("")) {
                case "message_start" ->
                    usageSoFar =
                            merge(JSON.createObjectNode(), event.path("message").path("usage"));
                case "content_block_delta" -> {
                    JsonNode delta = event.path("delta");
                    text.append(delta.path("text").asString(""))
                            .append(delta.path("thinking").asString(""));
                }
                case "message_delta" -> {
                    usageSoFar = merge(usageSoFar == null ? JSON.createObjectNode() : usageSoFar, event.path("usage"));
                    finalUsage = UsageNormalizer.fromAnthropic(usageSoFar);
                    if (event.get("usage") instanceof ObjectNode usage) {
                        CostFields.write(usage, pricer.apply(finalUsage)); // the final counts carry the cost
                        return JSON.writeValueAsString(event);
                    }
                }
                case "message_stop" -> completed = true;
                default -> {}
            }
            return data;
        }

        /** message_delta's counts are cumulative: each one present replaces the one from message_start. */
        private static ObjectNode merge(ObjectNode into, JsonNode counts) {
            for (Map.Entry<String, JsonNode> count : counts.properties()) {
                if (count.getValue().isNumber()) {
                    into.set(count.getKey(), count.getValue());
                }
            }
            return into;
        }

        @Override
        public boolean completed() {
            return completed;
        }

        @Override
        public TokenUsage reportedUsage() {
            return finalUsage;
        }

        @Override
        public TokenUsage reportedPromptUsage() {
            if (usageSoFar == null) {
                return null;
            }
            TokenUsage start = UsageNormalizer.fromAnthropic(usageSoFar);
            TokenUsage prompt = new TokenUsage(start.input(), start.cachedInput(), start.cacheWrite(), 0, 0);
            return prompt.consumedTokens() ? prompt : null; // 0 at the start means "reported later", not "free"
        }

        @Override
        public String streamedText() {
            return text.toString();
        }
    }
}
