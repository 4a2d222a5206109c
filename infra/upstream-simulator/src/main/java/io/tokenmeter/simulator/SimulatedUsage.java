package io.tokenmeter.simulator;

/**
 * The simulator's deterministic token counts, public so tests can compute what to expect.
 * Prompt tokens: the whitespace-separated words of every message's content, plus {@value #PER_MESSAGE} per
 * message (role and framing, as real tokenizers add). Completion tokens: {@code max_tokens}, default
 * {@value #DEFAULT_MAX_TOKENS}.
 */
public final class SimulatedUsage {

    public static final int PER_MESSAGE = 4;
    public static final int DEFAULT_MAX_TOKENS = 16;

    private SimulatedUsage() {}

    public static int words(String text) {
        if (text == null) {
            return 0;
        }
        String t = text.strip();
        return t.isEmpty() ? 0 : t.split("\\s+").length;
    }
}
