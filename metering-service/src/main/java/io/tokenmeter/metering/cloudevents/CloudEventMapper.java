package io.tokenmeter.metering.cloudevents;

import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.UUID;

/**
 * Maps a CloudEvent of type {@value #TYPE} to a usage event: {@code subject} is the tenant, {@code time} when
 * the call ended, {@code data} the usage-event fields (model, provider, region, token counts, ...). The result
 * goes through {@link UsageEventCodec}, so the rules are exactly those of the Kafka path.
 */
final class CloudEventMapper {

    static final String TYPE = "tokenmeter.usage.v1";
    private static final JsonMapper JSON = WireJson.MAPPER;

    record Mapped(String id, UUID eventId, UsageEvent event, String reason) {}

    private CloudEventMapper() {}

    static Mapped map(JsonNode ce) {
        if (!ce.isObject()) {
            return new Mapped(null, null, null, "not a JSON object");
        }
        String id = text(ce, "id");
        String source = text(ce, "source");
        if (!"1.0".equals(text(ce, "specversion"))) {
            return new Mapped(id, null, null, "specversion must be \"1.0\"");
        }
        if (id == null || id.isBlank() || source == null || source.isBlank()) {
            return new Mapped(id, null, null, "id and source are required");
        }
        if (!TYPE.equals(text(ce, "type"))) {
            return new Mapped(id, null, null, "type must be \"" + TYPE + "\"");
        }
        if (text(ce, "subject") == null) {
            return new Mapped(id, null, null, "subject (the tenant id) is required");
        }
        if (text(ce, "time") == null) {
            return new Mapped(id, null, null, "time (when the call ended) is required");
        }
        JsonNode data = ce.get("data");
        if (data == null || !data.isObject()) {
            return new Mapped(id, null, null, "data must be a JSON object with the usage");
        }
        String contentType = text(ce, "datacontenttype");
        if (contentType != null && !contentType.startsWith("application/json")) {
            return new Mapped(id, null, null, "datacontenttype must be application/json");
        }
        UUID eventId = EventIds.fromCloudEvent(source, id);
        ObjectNode usage = ((ObjectNode) data).deepCopy();
        usage.put("schema_version", UsageEvent.SCHEMA_VERSION);
        usage.put("event_id", eventId.toString());
        usage.set("tenant_id", ce.get("subject"));
        usage.set("occurred_at", ce.get("time"));
        if (!usage.has("status")) {
            usage.put("status", "succeeded");
        }
        UsageEventCodec.Decoded decoded = UsageEventCodec.decode(JSON.writeValueAsBytes(usage));
        return new Mapped(id, eventId, decoded.event(), decoded.reason());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isString() ? value.asString() : null;
    }
}
