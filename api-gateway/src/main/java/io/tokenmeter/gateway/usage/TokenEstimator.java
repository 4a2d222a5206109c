package io.tokenmeter.gateway.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * Counts tokens when an upstream did not report them (a stream cut short): the prompt's message contents plus
 * {@value #PER_MESSAGE} per message, and the text streamed so far, with the o200k_base tokenizer. The
 * providers' own tokenizers differ, so the event is marked {@code estimated}; an estimate is never zero when
 * text was sent or received.
 */
@Component
public class TokenEstimator {

    static final int PER_MESSAGE = 4;
    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);

    public long promptTokens(JsonNode messages) {
        long tokens = 0;
        for (JsonNode message : messages) {
            tokens += PER_MESSAGE + count(text(message.get("content")));
        }
        return tokens;
    }

    public long count(String text) {
        return text == null || text.isEmpty() ? 0 : encoding.countTokensOrdinary(text);
    }

    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        StringBuilder text = new StringBuilder();
        for (JsonNode part : content) {
            text.append(part.path("text").asString(""));
        }
        return text.toString();
    }
}
