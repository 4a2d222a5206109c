package io.tokenmeter.simulator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An OpenAI-compatible provider that answers at once with deterministic usage ({@link SimulatedUsage}), in
 * OpenAI's usage shape under {@code /v1} and in DeepSeek's ({@code prompt_cache_hit_tokens} /
 * {@code prompt_cache_miss_tokens}, no {@code prompt_tokens_details}) under {@code /deepseek/v1}; and an
 * Anthropic-compatible one ({@code x-api-key}, Messages API, {@code input_tokens} excluding
 * {@code cache_read_input_tokens} and {@code cache_creation_input_tokens}) under {@code /anthropic/v1/messages},
 * as GLM, Kimi and MiniMax serve for coding agents.
 * Completion tokens are {@code max_tokens} (read before {@code max_completion_tokens}, as DeepSeek does) per
 * choice, times {@code n} choices.
 * A request may steer it with a {@code "simulate"} object, which a gateway passes through like any unknown
 * field: {@code {"status": 429}} answers with that error, {@code {"cached_tokens": 64}} reports a cache hit,
 * {@code {"cache_write_tokens": 32}} a cache write (Anthropic shape), {@code {"input_in_delta": true}} reports an
 * Anthropic stream's input only at its end,
 * {@code {"reasoning_tokens": 8}} reports reasoning, {@code {"omit_usage": true}} answers a plain call without usage,
 * {@code {"delay_ms": 50}} waits first; when streaming,
 * {@code {"token_delay_ms": 20}} paces the tokens and {@code {"die_after_tokens": 5}} drops the connection
 * after that many tokens, as a provider that crashes mid-stream.
 */
public final class UpstreamSimulator implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] LOREM = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do".split(" ");

    private final HttpServer server;
    private final String requiredApiKey;
    private final AtomicLong requests = new AtomicLong();

    private UpstreamSimulator(HttpServer server, String requiredApiKey) {
        this.server = server;
        this.requiredApiKey = requiredApiKey;
    }

    /** Starts on 127.0.0.1:{@code port} (0: any free port). {@code requiredApiKey} null accepts any caller. */
    public static UpstreamSimulator start(int port, String requiredApiKey) throws IOException {
        // TCP_NODELAY, as real providers' servers set it: without it each streamed chunk waits for the client's
        // delayed ACK (about 40 ms), which would make the direct streaming baseline of the benchmark meaningless
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        UpstreamSimulator simulator = new UpstreamSimulator(server, requiredApiKey);
        server.createContext("/v1/chat/completions", simulator::chatCompletions);
        server.createContext("/deepseek/v1/chat/completions", simulator::chatCompletions);
        server.createContext("/anthropic/v1/messages", simulator::messages);
        server.createContext("/v1/models", simulator::models);
        server.createContext("/health", exchange -> {
            try (exchange) {
                simulator.respond(exchange, 200, JSON.createObjectNode().put("status", "UP"));
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return simulator;
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(System.getenv().getOrDefault("PORT", args.length > 0 ? args[0] : "8090"));
        UpstreamSimulator simulator = start(port, System.getenv("SIMULATOR_API_KEY"));
        Runtime.getRuntime().addShutdownHook(new Thread(simulator::close));
        System.out.println("upstream simulator listening on http://127.0.0.1:" + simulator.port());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** The Anthropic-compatible endpoint's base; {@code /v1/messages} lies under it. */
    public String anthropicBaseUrl() {
        return "http://127.0.0.1:" + port() + "/anthropic";
    }

    public long requests() {
        return requests.get();
    }

    /** Thrown past the handler so the server drops the connection: no final chunk, no [DONE]. */
    private static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash(String message) {
            super(message, null, false, false);
        }
    }

    /** The usage shape and wire format the simulator answers in, chosen by the path. */
    private enum Dialect {
        OPENAI,
        DEEPSEEK,
        ANTHROPIC
    }

    private void chatCompletions(HttpExchange exchange) throws IOException {
        handle(
                exchange,
                exchange.getRequestURI().getPath().startsWith("/deepseek/") ? Dialect.DEEPSEEK : Dialect.OPENAI);
    }

    private void messages(HttpExchange exchange) throws IOException {
        handle(exchange, Dialect.ANTHROPIC);
    }

    private void handle(HttpExchange exchange, Dialect dialect) throws IOException {
        requests.incrementAndGet();
        boolean crashed = false;
        try {
            if (!"POST".equals(exchange.getRequestMethod())) {
                error(exchange, dialect, 405, "method not allowed", "invalid_request_error");
                return;
            }
            String presented = dialect == Dialect.ANTHROPIC
                    ? exchange.getRequestHeaders().getFirst("x-api-key")
                    : exchange.getRequestHeaders().getFirst("Authorization");
            String expected = dialect == Dialect.ANTHROPIC ? requiredApiKey : "Bearer " + requiredApiKey;
            if (requiredApiKey != null && !expected.equals(presented)) {
                error(
                        exchange,
                        dialect,
                        401,
                        "Incorrect API key provided",
                        dialect == Dialect.ANTHROPIC ? "authentication_error" : "invalid_request_error");
                return;
            }
            if (dialect == Dialect.ANTHROPIC && exchange.getRequestHeaders().getFirst("anthropic-version") == null) {
                error(exchange, dialect, 400, "anthropic-version: header is required", "invalid_request_error");
                return;
            }
            JsonNode request;
            try {
                request = JSON.readTree(exchange.getRequestBody());
            } catch (JacksonException e) {
                error(
                        exchange,
                        dialect,
                        400,
                        "We could not parse the JSON body of your request.",
                        "invalid_request_error");
                return;
            }
            JsonNode simulate = request.path("simulate");
            if (simulate.has("delay_ms")) {
                Thread.sleep(simulate.get("delay_ms").asLong());
            }
            if (simulate.has("status")) {
                error(exchange, dialect, simulate.get("status").asInt(), "simulated upstream error", "upstream_error");
                return;
            }
            String model = request.path("model").asString("");
            int promptTokens = 0;
            if (request.hasNonNull("system")) { // Anthropic's system prompt counts as one more message
                promptTokens += SimulatedUsage.PER_MESSAGE + SimulatedUsage.words(content(request.get("system")));
            }
            for (JsonNode message : request.path("messages")) {
                promptTokens += SimulatedUsage.PER_MESSAGE + SimulatedUsage.words(content(message.get("content")));
            }
            // max_tokens over max_completion_tokens, as DeepSeek reads them; n choices of that many tokens each
            int perChoice = request.has("max_tokens")
                    ? request.get("max_tokens").asInt()
                    : request.has("max_completion_tokens")
                            ? request.get("max_completion_tokens").asInt()
                            : SimulatedUsage.DEFAULT_MAX_TOKENS;
            int choices = dialect == Dialect.ANTHROPIC
                    ? 1
                    : Math.max(1, request.path("n").asInt(1));
            int completionTokens = perChoice * choices;
            int cached = Math.min(simulate.path("cached_tokens").asInt(0), promptTokens);
            int cacheWrite = Math.min(simulate.path("cache_write_tokens").asInt(0), promptTokens - cached);
            int reasoning = Math.min(simulate.path("reasoning_tokens").asInt(0), completionTokens);
            boolean streaming = request.path("stream").asBoolean(false);
            long tokenDelayMs = simulate.path("token_delay_ms").asLong(0);
            int dieAfterTokens = simulate.path("die_after_tokens").asInt(-1);
            if (dialect == Dialect.ANTHROPIC) {
                ObjectNode usage =
                        anthropicUsage(promptTokens - cached - cacheWrite, cached, cacheWrite, completionTokens);
                if (streaming) {
                    streamMessage(
                            exchange,
                            "msg_sim_" + requests.get(),
                            model,
                            usage,
                            simulate.path("input_in_delta").asBoolean(false),
                            tokenDelayMs,
                            dieAfterTokens);
                } else {
                    ObjectNode body = message("msg_sim_" + requests.get(), model, "max_tokens", usage);
                    body.withArray("content").addObject().put("type", "text").put("text", text(completionTokens));
                    if (simulate.path("omit_usage").asBoolean(false)) {
                        body.remove("usage");
                    }
                    respond(exchange, 200, body);
                }
                return;
            }
            String id = "chatcmpl-sim-" + requests.get();
            long created = System.currentTimeMillis() / 1000;
            ObjectNode usage = dialect == Dialect.DEEPSEEK
                    ? deepSeekUsage(promptTokens, completionTokens, cached, reasoning)
                    : usage(promptTokens, completionTokens, cached, reasoning);
            if (streaming) {
                stream(
                        exchange,
                        id,
                        created,
                        model,
                        perChoice,
                        choices,
                        request.path("stream_options").path("include_usage").asBoolean(false) ? usage : null,
                        tokenDelayMs,
                        dieAfterTokens);
                return;
            }
            ObjectNode body = JSON.createObjectNode()
                    .put("id", id)
                    .put("object", "chat.completion")
                    .put("created", created)
                    .put("model", model);
            ArrayNode choiceNodes = body.putArray("choices");
            for (int c = 0; c < choices; c++) {
                ObjectNode choice = choiceNodes.addObject().put("index", c).put("finish_reason", "length");
                choice.putObject("message").put("role", "assistant").put("content", text(perChoice));
            }
            if (!simulate.path("omit_usage").asBoolean(false)) {
                body.set("usage", usage);
            }
            respond(exchange, 200, body);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (SimulatedCrash crash) {
            crashed = true;
            throw crash;
        } finally {
            if (!crashed) {
                exchange.close();
            }
        }
    }

    private static ObjectNode message(String id, String model, String stopReason, ObjectNode usage) {
        ObjectNode message = JSON.createObjectNode()
                .put("id", id)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", model);
        message.putArray("content");
        message.put("stop_reason", stopReason).putNull("stop_sequence");
        message.set("usage", usage);
        return message;
    }

    /**
     * Anthropic's event stream: the prompt's usage in message_start (or 0 there and the real counts in
     * message_delta, as some providers' Anthropic endpoints do, with {@code input_in_delta}), text deltas, the
     * final output count in message_delta, then message_stop.
     */
    private void streamMessage(
            HttpExchange exchange,
            String id,
            String model,
            ObjectNode usage,
            boolean inputInDelta,
            long tokenDelayMs,
            int dieAfterTokens)
            throws IOException, InterruptedException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        int tokens = usage.get("output_tokens").asInt();
        ObjectNode startUsage = usage.deepCopy().put("output_tokens", Math.min(1, tokens));
        if (inputInDelta) {
            startUsage.put("input_tokens", 0).put("cache_read_input_tokens", 0).put("cache_creation_input_tokens", 0);
        }
        event(
                out,
                "message_start",
                JSON.createObjectNode()
                        .put("type", "message_start")
                        .set("message", message(id, model, null, startUsage)));
        ObjectNode blockStart =
                JSON.createObjectNode().put("type", "content_block_start").put("index", 0);
        blockStart.putObject("content_block").put("type", "text").put("text", "");
        event(out, "content_block_start", blockStart);
        event(out, "ping", JSON.createObjectNode().put("type", "ping"));
        for (int i = 0; i < tokens; i++) {
            if (i == dieAfterTokens) {
                out.flush();
                throw new SimulatedCrash("simulated upstream crash after " + i + " tokens");
            }
            if (tokenDelayMs > 0) {
                Thread.sleep(tokenDelayMs);
            }
            ObjectNode delta =
                    JSON.createObjectNode().put("type", "content_block_delta").put("index", 0);
            delta.putObject("delta")
                    .put("type", "text_delta")
                    .put("text", (i == 0 ? "" : " ") + LOREM[i % LOREM.length]);
            event(out, "content_block_delta", delta);
        }
        event(
                out,
                "content_block_stop",
                JSON.createObjectNode().put("type", "content_block_stop").put("index", 0));
        ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", "max_tokens").putNull("stop_sequence");
        messageDelta.set("usage", inputInDelta ? usage : JSON.createObjectNode().put("output_tokens", tokens));
        event(out, "message_delta", messageDelta);
        event(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
    }

    private static void event(OutputStream out, String name, JsonNode data) throws IOException {
        out.write(("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n")
                .getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode anthropicUsage(int input, int cacheRead, int cacheWrite, int output) {
        return JSON.createObjectNode()
                .put("input_tokens", input)
                .put("cache_creation_input_tokens", cacheWrite)
                .put("cache_read_input_tokens", cacheRead)
                .put("output_tokens", output);
    }

    private void stream(
            HttpExchange exchange,
            String id,
            long created,
            String model,
            int tokens,
            int choices,
            ObjectNode usage,
            long tokenDelayMs,
            int dieAfterTokens)
            throws IOException, InterruptedException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (int i = 0; i < tokens * choices; i++) {
            if (i == dieAfterTokens) {
                out.flush();
                throw new SimulatedCrash("simulated upstream crash after " + i + " tokens");
            }
            if (tokenDelayMs > 0) {
                Thread.sleep(tokenDelayMs);
            }
            ObjectNode chunk = chunk(id, created, model);
            ((ArrayNode) chunk.get("choices"))
                    .addObject()
                    .put("index", i / tokens)
                    .putObject("delta")
                    .put("content", (i % tokens == 0 ? "" : " ") + LOREM[i % LOREM.length]);
            sse(out, chunk);
        }
        ObjectNode last = chunk(id, created, model);
        ((ArrayNode) last.get("choices"))
                .addObject()
                .put("index", 0)
                .put("finish_reason", "length")
                .putObject("delta");
        sse(out, last);
        if (usage != null) {
            ObjectNode usageChunk = chunk(id, created, model);
            usageChunk.set("usage", usage);
            sse(out, usageChunk);
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode chunk(String id, long created, String model) {
        ObjectNode chunk = JSON.createObjectNode()
                .put("id", id)
                .put("object", "chat.completion.chunk")
                .put("created", created)
                .put("model", model);
        chunk.putArray("choices");
        return chunk;
    }

    private static void sse(OutputStream out, JsonNode data) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode usage(int prompt, int completion, int cached, int reasoning) {
        ObjectNode usage = JSON.createObjectNode()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
        usage.putObject("prompt_tokens_details").put("cached_tokens", cached);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        return usage;
    }

    private static ObjectNode deepSeekUsage(int prompt, int completion, int cached, int reasoning) {
        ObjectNode usage = JSON.createObjectNode()
                .put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion)
                .put("prompt_cache_hit_tokens", cached)
                .put("prompt_cache_miss_tokens", prompt - cached);
        usage.putObject("completion_tokens_details").put("reasoning_tokens", reasoning);
        return usage;
    }

    private static String content(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        StringBuilder text = new StringBuilder(); // content parts: [{"type":"text","text":"..."}]
        for (JsonNode part : content) {
            text.append(' ').append(part.path("text").asString(""));
        }
        return text.toString();
    }

    private static String text(int words) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < words; i++) {
            b.append(i == 0 ? "" : " ").append(LOREM[i % LOREM.length]);
        }
        return b.toString();
    }

    private void models(HttpExchange exchange) throws IOException {
        try (exchange) {
            ObjectNode body = JSON.createObjectNode().put("object", "list");
            ArrayNode data = body.putArray("data");
            for (String m : List.of("deepseek-v3.2", "glm-5", "minimax-m2.5")) {
                data.addObject().put("id", m).put("object", "model").put("owned_by", "simulator");
            }
            respond(exchange, 200, body);
        }
    }

    private void error(HttpExchange exchange, Dialect dialect, int status, String message, String type)
            throws IOException {
        ObjectNode body = JSON.createObjectNode();
        if (dialect == Dialect.ANTHROPIC) {
            body.put("type", "error").putObject("error").put("type", type).put("message", message);
        } else {
            body.putObject("error")
                    .put("message", message)
                    .put("type", type)
                    .putNull("param")
                    .put("code", status);
        }
        respond(exchange, status, body);
    }

    private void respond(HttpExchange exchange, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
