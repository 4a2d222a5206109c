package io.tokenmeter.contracts;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.tokenmeter.contracts.json.WireJson;
import tools.jackson.databind.PropertyNamingStrategies;

import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A wire record and its JSON Schema in {@code schemas/}, held to each other: the same property names (as
 * {@link WireJson} writes them), and what the record writes the schema accepts.
 */
public final class WireSchemas {

    private static final ObjectMapper JSON2 = new ObjectMapper(); // the validator reads Jackson 2 trees

    private final JsonNode document;
    private final JsonSchema schema;

    private WireSchemas(String resource) {
        try (InputStream in = WireSchemas.class.getResourceAsStream("/schemas/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no schema " + resource);
            }
            this.document = JSON2.readTree(in);
            this.schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(document);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static WireSchemas of(String resource) {
        return new WireSchemas(resource);
    }

    /**
     * The wire name of a record component: an explicit {@code @JsonProperty} value, else the snake_case of its name.
     */
    public static String wireName(RecordComponent component) {
        JsonProperty explicit = component.getAccessor().getAnnotation(JsonProperty.class);
        if (explicit != null && !explicit.value().isEmpty()) {
            return explicit.value();
        }
        return PropertyNamingStrategies.SNAKE_CASE.nameForField(null, null, component.getName());
    }

    /** The record's properties are exactly those of the schema object at {@code pointer} ("" for the root). */
    public WireSchemas describes(Class<? extends Record> type, String pointer) {
        JsonNode object = pointer.isEmpty() ? document : document.at(pointer);
        assertThat(object.isMissingNode()).as("schema object at '%s'", pointer).isFalse();
        Set<String> schemaProperties = new TreeSet<>();
        object.get("properties").fieldNames().forEachRemaining(schemaProperties::add);
        Set<String> recordProperties = Arrays.stream(type.getRecordComponents())
                .map(WireSchemas::wireName)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(recordProperties)
                .as("%s against the schema at '%s'", type.getSimpleName(), pointer)
                .isEqualTo(schemaProperties);
        return this;
    }

    /** The schema's complaints about a document; none for a valid one. */
    public Set<ValidationMessage> errors(String json) {
        try {
            return schema.validate(JSON2.readTree(json));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Writes the value as every service does, checks the schema accepts it, and that it reads back equal. */
    public <T> void acceptsWhatTheRecordWrites(T value) {
        String written = WireJson.MAPPER.writeValueAsString(value);
        assertThat(errors(written)).as("schema errors for %s", written).isEmpty();
        assertThat(WireJson.MAPPER.readValue(written, value.getClass())).isEqualTo(value);
    }
}
