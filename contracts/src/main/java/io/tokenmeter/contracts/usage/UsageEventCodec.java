package io.tokenmeter.contracts.usage;

import io.tokenmeter.contracts.json.WireJson;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

import java.util.List;

/**
 * Reads and writes usage events strictly: a number sent as a string, a fraction where a count belongs or a
 * missing required field is an error, never a silent zero. Unknown fields are ignored so that a newer
 * producer can add optional fields without stopping an older consumer.
 */
public final class UsageEventCodec {

    private static final JsonMapper MAPPER = WireJson.configure(JsonMapper.builder())
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .withCoercionConfig(
                    LogicalType.Integer,
                    c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(
                    LogicalType.Boolean,
                    c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .withCoercionConfig(
                    LogicalType.Textual,
                    c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                            .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private UsageEventCodec() {}

    public static byte[] toJson(UsageEvent event) {
        return MAPPER.writeValueAsBytes(event);
    }

    /** Parses and validates; the result carries either the event or the reason it was refused. */
    public static Decoded decode(byte[] json) {
        if (json == null || json.length == 0) {
            return Decoded.rejected("empty message");
        }
        UsageEvent event;
        try {
            event = MAPPER.readValue(json, UsageEvent.class);
        } catch (JacksonException e) {
            return Decoded.rejected("malformed: " + e.getOriginalMessage());
        }
        if (event == null) {
            return Decoded.rejected("malformed: null event");
        }
        List<String> violations = UsageEventValidator.violations(event);
        return violations.isEmpty()
                ? new Decoded(event, null)
                : Decoded.rejected("invalid: " + String.join("; ", violations));
    }

    /** Either {@code event} or {@code reason} is set. */
    public record Decoded(UsageEvent event, String reason) {
        static Decoded rejected(String reason) {
            return new Decoded(null, reason.length() > 500 ? reason.substring(0, 500) : reason);
        }

        public boolean accepted() {
            return event != null;
        }
    }
}
