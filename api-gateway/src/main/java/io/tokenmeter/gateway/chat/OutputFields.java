package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.budgets.OutputBound;
import tools.jackson.databind.JsonNode;

import java.util.List;

/**
 * Reads what a request lets the upstream generate from every field a provider may honour, so that a budget
 * reserves on the largest of them: upstreams differ in which limit they obey ({@code max_tokens} over
 * {@code max_completion_tokens} on DeepSeek and the simulator, the other way round on OpenAI), so a request
 * naming both with different values would otherwise reserve on one and generate the other.
 *
 * @param limits   fields that each cap a choice's output; the largest applies
 * @param additive fields that add to it (a reasoning budget some providers count apart from {@code max_tokens})
 * @param choices  the field asking for several choices, each generating up to the limit; null when the API has none
 */
record OutputFields(List<String> limits, List<String> additive, String choices) {

    /** OpenAI's, the older and the Responses-style names, Hugging Face's, and Qwen's reasoning budget; {@code n}. */
    static final OutputFields OPENAI = new OutputFields(
            List.of("max_completion_tokens", "max_tokens", "max_output_tokens", "max_new_tokens"),
            List.of("thinking_budget"),
            "n");
    /** Anthropic's {@code max_tokens} includes the thinking budget; there is one choice. */
    static final OutputFields ANTHROPIC = new OutputFields(List.of("max_tokens"), List.of(), null);

    /** The largest output limit OpenAI's API accepts for a choice is far below this; it keeps the product in range. */
    static final long MAX_LIMIT = Integer.MAX_VALUE;
    /** OpenAI's documented maximum for {@code n}. */
    static final int MAX_CHOICES = 128;

    /** A field whose value no upstream could read as a limit: the request is refused rather than guessed at. */
    static final class Invalid extends Exception {
        final String field;

        Invalid(String field, String message) {
            super(message, null, false, false);
            this.field = field;
        }
    }

    OutputBound read(JsonNode request) throws Invalid {
        long perChoice = 0;
        for (String field : limits) {
            perChoice = Math.max(perChoice, integer(request, field, 0, MAX_LIMIT));
        }
        if (perChoice > 0) { // a reasoning budget beside no limit is bounded by the model's own limit, which holds both
            for (String field : additive) {
                perChoice += integer(request, field, 0, MAX_LIMIT);
            }
        }
        int n = choices == null ? 1 : (int) Math.max(1, integer(request, choices, 1, MAX_CHOICES));
        return new OutputBound(perChoice, n);
    }

    /** The field's value, 0 when absent or null; anything but a whole number in range is refused. */
    private static long integer(JsonNode request, String field, long min, long max) throws Invalid {
        JsonNode value = request.get(field);
        if (value == null || value.isNull()) {
            return 0;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < min || value.asLong() > max) {
            throw new Invalid(field, field + " must be an integer from " + min + " to " + max + ", got " + value);
        }
        return value.asLong();
    }
}
