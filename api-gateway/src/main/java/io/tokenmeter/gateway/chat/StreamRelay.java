package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.usage.TokenUsage;
import io.tokenmeter.gateway.usage.UsageNormalizer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Relays an upstream's server-sent events to the client as they arrive, event by event, and watches them:
 * it keeps the usage the upstream reports, hides the usage-only chunk from a client that did not ask for it,
 * and collects the streamed text so a stream cut short can still be counted.
 */
final class StreamRelay {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final byte[] NEWLINE = "\n".getBytes(StandardCharsets.UTF_8);

    /** How the stream ended, and what it consumed as far as can be seen. */
    record Outcome(TokenUsage reportedUsage, String streamedText, boolean completed, boolean clientGone, boolean upstreamFailed) {
    }

    private StreamRelay() {
    }

    static Outcome relay(InputStream upstream, OutputStream client, boolean clientAskedForUsage) {
        TokenUsage usage = null;
        StringBuilder text = new StringBuilder();
        boolean completed = false;
        boolean clientGone = false;
        boolean upstreamFailed = false;
        boolean skipBlank = false;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(upstream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                String forward = line;
                if (line.isEmpty()) {
                    if (skipBlank) {
                        skipBlank = false;
                        continue;
                    }
                } else if (line.startsWith("data:")) {
                    String data = line.substring(5).strip();
                    if (data.equals("[DONE]")) {
                        completed = true;
                    } else {
                        JsonNode chunk = parse(data);
                        if (chunk != null) {
                            collectText(chunk, text);
                            JsonNode reported = chunk.get("usage");
                            if (reported != null && reported.isObject()) {
                                usage = UsageNormalizer.normalize(reported);
                                if (!clientAskedForUsage) {
                                    if (chunk.path("choices").isEmpty()) {
                                        skipBlank = true; // the usage-only chunk: the client never sees it
                                        continue;
                                    }
                                    ((ObjectNode) chunk).remove("usage");
                                    forward = "data: " + JSON.writeValueAsString(chunk);
                                }
                            }
                        }
                    }
                }
                if (!clientGone) {
                    try {
                        client.write(forward.getBytes(StandardCharsets.UTF_8));
                        client.write(NEWLINE);
                        if (forward.isEmpty()) {
                            client.flush(); // the end of one event: send it now, no buffering
                        }
                    } catch (IOException e) {
                        clientGone = true;
                        break; // closing the upstream stream stops the generation we would pay for
                    }
                }
            }
            if (!clientGone) {
                client.flush();
            }
        } catch (IOException e) {
            upstreamFailed = !clientGone;
        }
        return new Outcome(usage, text.toString(), completed, clientGone, upstreamFailed && !completed);
    }

    private static JsonNode parse(String data) {
        try {
            JsonNode node = JSON.readTree(data);
            return node != null && node.isObject() ? node : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private static void collectText(JsonNode chunk, StringBuilder text) {
        for (JsonNode choice : chunk.path("choices")) {
            JsonNode delta = choice.path("delta");
            text.append(delta.path("content").asString(""));
            text.append(delta.path("reasoning_content").asString(""));
        }
    }
}
