package io.tokenmeter.contracts.usage;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.tokenmeter.contracts.WireSchemas;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The JSON Schema and the Java record describe the same message, and accept and refuse the same documents. */
class UsageEventSchemaTest {

    private static final ObjectMapper JSON2 = new ObjectMapper();
    private static final JsonSchema SCHEMA = loadSchema();

    static final String VALID = """
            {"schema_version":1,"event_id":"019a0a7e-6c1b-7c3e-9a55-3f2b8c1d2e4f","tenant_id":"t-1","api_key_id":"k-1",
             "model":"deepseek-v3.2","provider":"deepseek","region":"cn-hangzhou","input_tokens":120,
             "cached_input_tokens":30,"cache_write_tokens":0,"output_tokens":64,"reasoning_tokens":10,"estimated":false,
             "request_id":"req_1","status":"succeeded","latency_ms":812,"occurred_at":"2026-11-25T10:15:30.123Z",
             "streamed":true,"first_token_ms":240,"attempts":[{"provider":"deepseek","region":"cn-shanghai","error":"timeout"}],
             "cost":0.0000412,"cost_currency":"EUR"}""";

    private static JsonSchema loadSchema() {
        try (InputStream in = UsageEventSchemaTest.class.getResourceAsStream("/schemas/usage-event.v1.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<ValidationMessage> schemaErrors(String json) throws Exception {
        return SCHEMA.validate(JSON2.readTree(json));
    }

    @Test
    void everyRecordComponentIsASchemaPropertyAndRequiredMeansTheSame() throws Exception {
        JsonNode schema =
                JSON2.readTree(UsageEventSchemaTest.class.getResourceAsStream("/schemas/usage-event.v1.schema.json"));
        Set<String> schemaProperties = new TreeSet<>();
        schema.get("properties").fieldNames().forEachRemaining(schemaProperties::add);
        Set<String> schemaRequired = new TreeSet<>();
        schema.get("required").forEach(n -> schemaRequired.add(n.asText()));

        RecordComponent[] components = UsageEvent.class.getRecordComponents();
        Set<String> recordProperties =
                Arrays.stream(components).map(WireSchemas::wireName).collect(Collectors.toCollection(TreeSet::new));
        Set<String> recordRequired = Arrays.stream(components)
                .filter(c -> c.getAccessor().getAnnotation(JsonProperty.class) != null
                        && c.getAccessor().getAnnotation(JsonProperty.class).required())
                .map(WireSchemas::wireName)
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(recordProperties).isEqualTo(schemaProperties);
        assertThat(recordRequired).isEqualTo(schemaRequired);
    }

    @Test
    void whatTheRecordWritesTheSchemaAccepts() throws Exception {
        UsageEvent event =
                UsageEventCodec.decode(VALID.getBytes(StandardCharsets.UTF_8)).event();
        String written = new String(UsageEventCodec.toJson(event), StandardCharsets.UTF_8);

        assertThat(schemaErrors(written)).isEmpty();
        assertThat(UsageEventCodec.decode(written.getBytes(StandardCharsets.UTF_8))
                        .event())
                .isEqualTo(event);
    }

    @Test
    void anEventWithoutOptionalFieldsIsValidForBoth() throws Exception {
        String minimal = """
                {"schema_version":1,"event_id":"019a0a7e-6c1b-7c3e-9a55-3f2b8c1d2e4f","tenant_id":"t-1","model":"glm-5",
                 "provider":"zhipu","region":"cn-beijing","input_tokens":1,"cached_input_tokens":0,"output_tokens":2,
                 "status":"failed","occurred_at":"2026-11-25T10:15:30Z","some_future_field":"ignored"}""";
        assertThat(schemaErrors(minimal)).isEmpty();
        UsageEventCodec.Decoded decoded = UsageEventCodec.decode(minimal.getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.reason()).isNull();
        assertThat(decoded.event().cacheWriteTokens()).isZero();
        assertThat(decoded.event().status()).isEqualTo(UsageStatus.FAILED);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"input_tokens\":120|\"input_tokens\":-1",
                "\"input_tokens\":120|\"input_tokens\":\"120\"",
                "\"input_tokens\":120|\"input_tokens\":1.5",
                "\"input_tokens\":120|\"input_tokens\":null",
                "\"input_tokens\":120,|",
                "\"tenant_id\":\"t-1\",|",
                "\"tenant_id\":\"t-1\"|\"tenant_id\":\"\"",
                "\"tenant_id\":\"t-1\"|\"tenant_id\":42",
                "\"tenant_id\":\"t-1\"|\"tenant_id\":\"bad tenant id\"",
                "\"status\":\"succeeded\"|\"status\":\"maybe\"",
                "\"schema_version\":1|\"schema_version\":2",
                "\"event_id\":\"019a0a7e-6c1b-7c3e-9a55-3f2b8c1d2e4f\"|\"event_id\":\"nope\"",
                "\"occurred_at\":\"2026-11-25T10:15:30.123Z\"|\"occurred_at\":\"yesterday\"",
                "\"output_tokens\":64|\"output_tokens\":1000000001",
                "\"estimated\":false|\"estimated\":\"no\"",
                "\"occurred_at\":\"2026-11-25T10:15:30.123Z\"|\"occurred_at\":\"0000-06-01T00:00:00Z\"",
                "\"occurred_at\":\"2026-11-25T10:15:30.123Z\"|\"occurred_at\":\"1999-12-31T23:59:59Z\"",
                "\"request_id\":\"req_1\"|\"request_id\":\"req\\u0000nul\"",
                "\"request_id\":\"req_1\"|\"request_id\":\"line\\nbreak\"",
                "\"first_token_ms\":240|\"first_token_ms\":-1",
                "\"cost\":0.0000412|\"cost\":-0.01",
                "\"cost_currency\":\"EUR\"|\"cost_currency\":\"euro\"",
                ",\"cost_currency\":\"EUR\"|",
                "\"streamed\":true|\"streamed\":\"yes\"",
                "\"error\":\"timeout\"|\"error\":\"slow\"",
                "\"region\":\"cn-shanghai\"|\"region\":\"no such region\"",
                "\"provider\":\"deepseek\",\"region\":\"cn-shanghai\",|",
            })
    void bothRefuseTheSameBrokenEvents(String edit) throws Exception {
        String[] fromTo = edit.split("\\|", -1);
        assertThat(VALID).contains(fromTo[0]);
        String broken = VALID.replace(fromTo[0], fromTo[1]);

        assertThat(schemaErrors(broken)).as("schema errors for %s", broken).isNotEmpty();
        UsageEventCodec.Decoded decoded = UsageEventCodec.decode(broken.getBytes(StandardCharsets.UTF_8));
        assertThat(decoded.accepted()).as("codec accepted %s", broken).isFalse();
        assertThat(decoded.reason()).isNotBlank();
    }

    @Test
    void reasoningBeyondOutputIsRefusedWithAReason() {
        String broken = VALID.replace("\"reasoning_tokens\":10", "\"reasoning_tokens\":65");
        assertThat(UsageEventCodec.decode(broken.getBytes(StandardCharsets.UTF_8))
                        .reason())
                .contains("reasoning_tokens (65) exceed output_tokens (64)");
    }

    @Test
    void notJsonAtAllIsRefusedWithAReason() {
        assertThat(UsageEventCodec.decode("{not json".getBytes(StandardCharsets.UTF_8))
                        .reason())
                .startsWith("malformed");
        assertThat(UsageEventCodec.decode(new byte[0]).reason()).isEqualTo("empty message");
    }

    @Test
    void eventsFarInTheFutureAreRefused() {
        String future = VALID.replace(
                "2026-11-25T10:15:30.123Z", Instant.now().plusSeconds(7200).toString());
        assertThat(UsageEventCodec.decode(future.getBytes(StandardCharsets.UTF_8))
                        .reason())
                .contains("in the future");
    }

    @Test
    void cloudEventIdsMapToStableUuids() {
        var a = EventIds.fromCloudEvent("gw-1", "abc");
        assertThat(EventIds.fromCloudEvent("gw-1", "abc")).isEqualTo(a);
        assertThat(EventIds.fromCloudEvent("gw-2", "abc")).isNotEqualTo(a);
        assertThat(EventIds.fromCloudEvent("x", "019a0a7e-6c1b-7c3e-9a55-3f2b8c1d2e4f")
                        .toString())
                .isEqualTo("019a0a7e-6c1b-7c3e-9a55-3f2b8c1d2e4f");
        assertThat(new HashSet<>(java.util.List.of(EventIds.newEventId(), EventIds.newEventId())))
                .hasSize(2);
        assertThat(EventIds.newEventId().version()).isEqualTo(7);
    }
}
