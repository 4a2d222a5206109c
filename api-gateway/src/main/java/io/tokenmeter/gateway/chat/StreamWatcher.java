package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.usage.TokenUsage;

/**
 * Watches one streamed answer as {@link StreamRelay} passes it on: decides what the client sees of each event,
 * collects the streamed text and keeps the usage the upstream reports, so a stream cut short can still be
 * counted.
 */
interface StreamWatcher {

    /**
     * Sees the payload of one {@code data:} line; returns what to send in its place (the same string to send it
     * unchanged), or {@code null} to drop the whole event.
     */
    String onData(String data);

    /** Whether the upstream signalled the normal end of the answer. */
    boolean completed();

    /** The usage the upstream reported for the whole call; {@code null} when the stream ended before it. */
    TokenUsage reportedUsage();

    /** The prompt's usage when the upstream reported it before the rest (Anthropic does), else {@code null}. */
    TokenUsage reportedPromptUsage();

    /** The text and reasoning streamed so far. */
    String streamedText();
}
