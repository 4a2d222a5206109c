package io.tokenmeter.gateway.chat;

import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.gateway.modelapi.ModelApiError;
import io.tokenmeter.gateway.modelapi.ModelApiErrors;
import io.tokenmeter.gateway.modelapi.OpenAiError;
import io.tokenmeter.gateway.prices.CallCosts;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.usage.TokenEstimator;
import io.tokenmeter.gateway.usage.TokenUsage;
import io.tokenmeter.gateway.usage.UsageNormalizer;
import org.springframework.http.ResponseEntity;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.function.Function;

/**
 * OpenAI's chat completions, as every upstream here speaks it. A streamed answer ends with a usage-only chunk
 * (the gateway always asks for it) and {@code data: [DONE]}; the usage chunk is hidden from a client that did
 * not ask for it.
 */
record OpenAiChat(boolean clientAskedForUsage) implements ModelApi {

    private static final JsonMapper JSON = WireJson.MAPPER;

    @Override
    public URI endpoint(ResolvedRoute route) {
        return route.chatCompletionsUri();
    }

    @Override
    public void authenticate(HttpRequest.Builder upstreamRequest, ResolvedRoute route) {
        if (route.apiKey() != null) { // an upstream without a credential (a model served inside the network)
            upstreamRequest.header("Authorization", "Bearer " + route.apiKey());
        }
    }

    @Override
    public ResponseEntity<OpenAiError> error(ModelApiError error, String param, String message) {
        return ModelApiErrors.openAi(error, param, message);
    }

    @Override
    public StreamWatcher watcher(Function<TokenUsage, CallCosts.Priced> pricer) {
        return new Watcher(clientAskedForUsage, pricer);
    }

    @Override
    public long estimatePromptTokens(TokenEstimator estimator, JsonNode request) {
        return estimator.promptTokens(request.path("messages"));
    }

    /** Each choice's content, reasoning and tool calls (their names and arguments are generated tokens too). */
    @Override
    public String answerText(JsonNode answer) {
        StringBuilder text = new StringBuilder();
        for (JsonNode choice : answer.path("choices")) {
            JsonNode message = choice.path("message");
            JsonNode content = message.path("content");
            if (content.isString()) {
                text.append(content.asString());
            } else {
                content.forEach(part -> text.append(part.path("text").asString("")));
            }
            text.append(message.path("reasoning_content").asString(""));
            for (JsonNode call : message.path("tool_calls")) {
                text.append(call.path("function").path("name").asString(""))
                        .append(call.path("function").path("arguments").asString(""));
            }
        }
        return text.toString();
    }

    @Override
    public OutputFields outputFields() {
        return OutputFields.OPENAI;
    }

    @Override
    public String notServedHere(String model) {
        return "The model '" + model + "' is not served through a chat completions endpoint.";
    }

    private static final class Watcher implements StreamWatcher {

        private final boolean clientAskedForUsage;
        private final Function<TokenUsage, CallCosts.Priced> pricer;
        private final StringBuilder text = new StringBuilder();
        private TokenUsage usage;
        private boolean completed;

        Watcher(boolean clientAskedForUsage, Function<TokenUsage, CallCosts.Priced> pricer) {
            this.clientAskedForUsage = clientAskedForUsage;
            this.pricer = pricer;
        }

        @Override
        public String onData(String data) {
            if (data.equals("[DONE]")) {
                completed = true;
                return data;
            }
            JsonNode chunk = parse(data);
            if (chunk == null) {
                return data;
            }
            for (JsonNode choice : chunk.path("choices")) {
                JsonNode delta = choice.path("delta");
                text.append(delta.path("content").asString(""));
                text.append(delta.path("reasoning_content").asString(""));
            }
            JsonNode reported = chunk.get("usage");
            if (reported == null || !reported.isObject()) {
                return data;
            }
            usage = UsageNormalizer.normalize(reported);
            if (clientAskedForUsage) {
                CostFields.write((ObjectNode) reported, pricer.apply(usage)); // the final chunk carries the cost
                return JSON.writeValueAsString(chunk);
            }
            if (chunk.path("choices").isEmpty()) {
                return null; // the usage-only chunk: the client never sees it
            }
            ((ObjectNode) chunk).remove("usage");
            return JSON.writeValueAsString(chunk);
        }

        @Override
        public boolean completed() {
            return completed;
        }

        @Override
        public TokenUsage reportedUsage() {
            return usage;
        }

        @Override
        public TokenUsage reportedPromptUsage() {
            return null; // OpenAI-compatible streams report the prompt with the rest, at the end
        }

        @Override
        public String streamedText() {
            return text.toString();
        }
    }

    static JsonNode parse(String data) {
        try {
            JsonNode node = JSON.readTree(data);
            return node != null && node.isObject() ? node : null;
        } catch (JacksonException e) {
            return null;
        }
    }
}
