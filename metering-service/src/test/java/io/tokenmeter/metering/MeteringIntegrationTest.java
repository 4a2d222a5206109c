package io.tokenmeter.metering;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.SharedInfrastructure;
import io.tokenmeter.testsupport.SignedCalls;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"tokenmeter.metering.billing.settle=1s", "tokenmeter.metering.lag-every=500ms"})
@RealInfrastructure
class MeteringIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant HOUR =
            Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);

    private static KafkaProducer<byte[], byte[]> producer;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    MeterRegistry meters;

    @Autowired
    Environment environment;

    @Autowired
    org.springframework.kafka.config.KafkaListenerEndpointRegistry listeners;

    @BeforeAll
    static void producer() {
        producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    static UsageEvent event(String tenant, String model, long input, long cached, long output, Instant at) {
        return new UsageEvent(
                1,
                EventIds.newEventId(),
                tenant,
                "key-1",
                model,
                "deepseek",
                "cn-hangzhou",
                input,
                cached,
                0,
                output,
                0,
                false,
                "req-1",
                UsageStatus.SUCCEEDED,
                120,
                at);
    }

    static void send(String tenant, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(UsageTopics.USAGE_EVENTS, tenant.getBytes(StandardCharsets.UTF_8), value))
                .get();
    }

    long rollup(String tenant, String column) {
        Long v = jdbc.queryForObject(
                "SELECT coalesce(sum(" + column + "), 0) FROM usage_rollup_hourly WHERE tenant_id = ?",
                Long.class,
                tenant);
        return v == null ? 0 : v;
    }

    long rawEvents(String tenant) {
        Long v = jdbc.queryForObject("SELECT count(*) FROM usage_event WHERE tenant_id = ?", Long.class, tenant);
        return v == null ? 0 : v;
    }

    double counted(String outcome) {
        return meters.counter("tokenmeter.metering.events", "outcome", outcome).count();
    }

    /** Raw events are append-only, and the application's role can neither disable that nor make tables of its own. */
    @Test
    void theApplicationsRoleCannotLiftTheRawEventsAppendOnlyRule() {
        for (String sql : List.of(
                "ALTER TABLE usage_event DISABLE TRIGGER usage_event_no_update",
                "DROP TRIGGER usage_event_no_update ON usage_event",
                "CREATE TABLE usage_event_y2099m01 PARTITION OF usage_event FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.execute(sql))
                    .as(sql)
                    .satisfies(e -> assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e)
                                    .getMessage())
                            .containsAnyOf("must be owner", "permission denied"));
        }
    }

    @Test
    void countsAnEventDeliveredThreeTimesOnce() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        UsageEvent e = event(
                tenant, "deepseek-v3.2", 1000, 200, 300, HOUR.plusSeconds(5).plusNanos(123_456_789));
        double duplicatesBefore = counted("duplicate");
        byte[] json = UsageEventCodec.toJson(e);
        send(tenant, json);
        send(tenant, json);
        send(tenant, json);

        await().atMost(Duration.ofSeconds(30)).until(() -> counted("duplicate") - duplicatesBefore >= 2);
        assertThat(rawEvents(tenant)).isEqualTo(1);
        assertThat(rollup(tenant, "requests")).isEqualTo(1);
        assertThat(rollup(tenant, "input_tokens")).isEqualTo(1000);
        assertThat(rollup(tenant, "cached_input_tokens")).isEqualTo(200);
        assertThat(rollup(tenant, "output_tokens")).isEqualTo(300);
        assertThat(jdbc.queryForObject(
                                "SELECT occurred_at FROM usage_event WHERE tenant_id = ?",
                                java.sql.Timestamp.class,
                                tenant)
                        .toInstant())
                .isEqualTo(e.occurredAt().truncatedTo(ChronoUnit.MICROS));
        assertThat(jdbc.queryForObject(
                        "SELECT status || '/' || source FROM usage_event WHERE tenant_id = ?", String.class, tenant))
                .isEqualTo("succeeded/kafka");
    }

    @Test
    void poisonMessagesGoToTheDeadLetterTopicWhileLaterEventsStillCount() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        try (KafkaConsumer<byte[], byte[]> dlt = deadLetterConsumer()) {
            send(tenant, UsageEventCodec.toJson(event(tenant, "glm-5", 10, 0, 20, HOUR)));
            send(tenant, ("{not json " + tenant).getBytes(StandardCharsets.UTF_8));
            String negative = new String(
                            UsageEventCodec.toJson(event(tenant, "glm-5", 5, 0, 5, HOUR)), StandardCharsets.UTF_8)
                    .replace("\"input_tokens\":5", "\"input_tokens\":-5");
            send(tenant, negative.getBytes(StandardCharsets.UTF_8));
            String noTenant = new String(
                            UsageEventCodec.toJson(event(tenant, "glm-5", 7, 0, 7, HOUR)), StandardCharsets.UTF_8)
                    .replace("\"tenant_id\":\"" + tenant + "\",", "");
            send(tenant, noTenant.getBytes(StandardCharsets.UTF_8));
            send(tenant, UsageEventCodec.toJson(event(tenant, "glm-5", 1, 0, 2, HOUR)));

            await().atMost(Duration.ofSeconds(30)).until(() -> rollup(tenant, "requests") == 2);
            assertThat(rollup(tenant, "input_tokens")).isEqualTo(11);
            assertThat(rollup(tenant, "output_tokens")).isEqualTo(22);

            List<String> reasons = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (reasons.size() < 3 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : dlt.poll(Duration.ofMillis(500))) {
                    if (new String(r.key(), StandardCharsets.UTF_8).equals(tenant)) {
                        reasons.add(new String(
                                r.headers()
                                        .lastHeader(UsageTopics.REASON_HEADER)
                                        .value(),
                                StandardCharsets.UTF_8));
                    }
                }
            }
            assertThat(reasons).hasSize(3);
            assertThat(reasons.get(0)).startsWith("malformed");
            assertThat(reasons.get(1)).contains("input_tokens is negative");
            assertThat(reasons.get(2)).contains("tenant_id");
        }
    }

    /**
     * What halted metering for every tenant: events that pass the JSON checks but that PostgreSQL refuses, retried
     * for ever. Year 0 and a NUL byte are now refused by validation; an event refused by the database itself (here
     * a check constraint the validation knows nothing of) is isolated from its batch and dead-lettered with the
     * database's reason, while the good events around it are stored.
     */
    @Test
    void eventsThePostgresRefusesAreIsolatedAndDeadLetteredWhileTheirBatchIsStored() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        SharedInfrastructure.asOwner(
                "metering_service",
                "ALTER TABLE usage_rollup_hourly ADD CONSTRAINT test_poison CHECK (model <> 'poison-model')");
        double isolationsBefore =
                meters.counter("tokenmeter.metering.batch.isolations").count();
        try (KafkaConsumer<byte[], byte[]> dlt = deadLetterConsumer()) {
            List<ProducerRecordBytes> burst = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                burst.add(new ProducerRecordBytes(UsageEventCodec.toJson(event(tenant, "glm-5", 1, 0, 1, HOUR))));
            }
            String good = new String(
                    UsageEventCodec.toJson(event(tenant, "glm-5", 1000, 0, 1000, HOUR)), StandardCharsets.UTF_8);
            burst.add(
                    20,
                    new ProducerRecordBytes(good.replace("\"model\":\"glm-5\"", "\"model\":\"poison-model\"")
                            .getBytes(StandardCharsets.UTF_8)));
            burst.add(
                    10,
                    new ProducerRecordBytes(good.replace(HOUR.toString(), "0000-06-01T00:00:00Z")
                            .getBytes(StandardCharsets.UTF_8)));
            burst.add(
                    30,
                    new ProducerRecordBytes(good.replace("\"request_id\":\"req-1\"", "\"request_id\":\"req\\u0000nul\"")
                            .getBytes(StandardCharsets.UTF_8)));
            // one burst, so that the poison shares a batch with good events
            List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
            for (ProducerRecordBytes value : burst) {
                sent.add(producer.send(new ProducerRecord<>(
                        UsageTopics.USAGE_EVENTS, tenant.getBytes(StandardCharsets.UTF_8), value.bytes())));
            }
            for (java.util.concurrent.Future<?> f : sent) {
                f.get();
            }

            await().atMost(Duration.ofSeconds(20)).until(() -> rollup(tenant, "requests") == 40);
            assertThat(rollup(tenant, "input_tokens")).isEqualTo(40);
            assertThat(rawEvents(tenant)).isEqualTo(40);

            List<String> reasons = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (reasons.size() < 3 && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : dlt.poll(Duration.ofMillis(500))) {
                    if (new String(r.key(), StandardCharsets.UTF_8).equals(tenant)) {
                        reasons.add(new String(
                                r.headers()
                                        .lastHeader(UsageTopics.REASON_HEADER)
                                        .value(),
                                StandardCharsets.UTF_8));
                    }
                }
            }
            assertThat(reasons).hasSize(3);
            assertThat(reasons)
                    .anySatisfy(r -> assertThat(r).contains("occurred_at 0000-06-01T00:00:00Z is before 2000-01-01"));
            assertThat(reasons).anySatisfy(r -> assertThat(r).contains("request_id contains a control character"));
            assertThat(reasons)
                    .anySatisfy(r -> assertThat(r).contains("SQLSTATE 23514").contains("test_poison"));
            assertThat(meters.counter("tokenmeter.metering.batch.isolations").count())
                    .isGreaterThan(isolationsBefore);
        } finally {
            SharedInfrastructure.asOwner(
                    "metering_service", "ALTER TABLE usage_rollup_hourly DROP CONSTRAINT test_poison");
        }
        // and metering goes on
        String later = "t-" + UUID.randomUUID();
        send(later, UsageEventCodec.toJson(event(later, "glm-5", 3, 0, 4, HOUR)));
        await().atMost(Duration.ofSeconds(20)).until(() -> rollup(later, "output_tokens") == 4);
    }

    private record ProducerRecordBytes(byte[] bytes) {}

    /** The lag is read from the committed offsets, so a consumer that stops consuming shows it growing. */
    @Test
    void consumerLagPerPartitionGrowsWhileTheConsumerStandsStillAndFallsToZeroAfter() throws Exception {
        org.springframework.kafka.listener.MessageListenerContainer container =
                listeners.getListenerContainer("usage-events");
        String tenant = "t-" + UUID.randomUUID();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !meters.find("tokenmeter.metering.consumer.lag")
                                .gauges()
                                .isEmpty()
                        && totalLag() == 0.0);
        container.stop();
        try {
            for (int i = 0; i < 5; i++) {
                send(tenant, UsageEventCodec.toJson(event(tenant, "glm-5", 1, 0, 1, HOUR)));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> totalLag() == 5.0);
            assertThat(meters.find("tokenmeter.metering.consumer.lag").gauges())
                    .extracting(g -> g.getId().getTag("partition"))
                    .hasSizeGreaterThanOrEqualTo(4)
                    .doesNotContainNull();
        } finally {
            container.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> totalLag() == 0.0);
        assertThat(rollup(tenant, "requests")).isEqualTo(5);
    }

    private double totalLag() {
        return meters.find("tokenmeter.metering.consumer.lag").tag("topic", UsageTopics.USAGE_EVENTS).gauges().stream()
                .mapToDouble(io.micrometer.core.instrument.Gauge::value)
                .sum();
    }

    /**
     * One shared secret signed "v1;ts;role;key;tenant" only: a captured header worked on any endpoint, and any service
     * could sign as an admin. A signature now holds for its own method, path and body, and billing only as finance.
     */
    @Test
    void aSignedCallerHoldsForItsOwnRequestAndEachCallerOnlyForItsOwnRoles() throws Exception {
        Caller admin = new Caller("key-admin", Role.ADMIN, null);
        CallerHeaders.Signed forUsage = SignedCalls.gatewayHeaders(admin, "GET", "/api/v1/usage", null);
        assertThat(raw("GET", "/api/v1/usage?tenant_id=t-x&granularity=day", forUsage, null)
                        .statusCode())
                .isEqualTo(200);
        String event =
                "{\"specversion\":\"1.0\",\"id\":\"x\",\"source\":\"//t\",\"type\":\"tokenmeter.usage.v1\",\"subject\":\"t-x\"}";
        assertThat(raw("POST", "/api/v1/events", forUsage, event).statusCode())
                .as("replayed on another endpoint")
                .isEqualTo(401);
        CallerHeaders.Signed forEvent =
                SignedCalls.gatewayHeaders(admin, "POST", "/api/v1/events", "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(raw("POST", "/api/v1/events", forEvent, event).statusCode())
                .as("with another body")
                .isEqualTo(401);

        CallerHeaders.Signed billingAsAdmin = SignedCalls.billingHeaders(admin, "GET", "/api/v1/usage", null);
        assertThat(raw("GET", "/api/v1/usage?tenant_id=t-x&granularity=day", billingAsAdmin, null)
                        .statusCode())
                .isEqualTo(401);
        CallerHeaders.Signed billingAsFinance = SignedCalls.billingHeaders(
                new Caller("service:billing", Role.FINANCE, null), "GET", "/api/v1/usage", null);
        assertThat(raw("GET", "/api/v1/usage?tenant_id=t-x&granularity=day", billingAsFinance, null)
                        .statusCode())
                .isEqualTo(200);
    }

    private HttpResponse<String> raw(String method, String pathAndQuery, CallerHeaders.Signed signed, String body)
            throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(uri(pathAndQuery))
                        .header(CallerHeaders.CALLER, signed.caller())
                        .header(CallerHeaders.SIGNATURE, signed.signature())
                        .header("Content-Type", "application/cloudevents+json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The ingest API answers per event: one the database refuses is rejected with its reason, the rest are stored. */
    @Test
    void aCloudEventThePostgresRefusesIsRejectedAloneWithTheDatabasesReason() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        SharedInfrastructure.asOwner(
                "metering_service",
                "ALTER TABLE usage_rollup_hourly ADD CONSTRAINT test_poison_ce CHECK (model <> 'poison-model')");
        try {
            String batch = "[" + cloudEvent("ce-a", tenant, 1, 1) + ","
                    + cloudEvent("ce-b", tenant, 1, 1).replace("kimi-k2", "poison-model") + ","
                    + cloudEvent("ce-c", tenant, 1, 1) + "]";
            JsonNode result = JSON.readTree(post(
                            "/api/v1/events",
                            "application/cloudevents-batch+json",
                            batch,
                            new Caller("adm", Role.ADMIN, null))
                    .body());
            assertThat(result.get("accepted").asInt()).as(result.toString()).isEqualTo(2);
            assertThat(result.get("rejected").asInt()).isEqualTo(1);
            assertThat(result.get("results").get(1).get("reason").asString()).contains("SQLSTATE 23514");
            assertThat(rollup(tenant, "requests")).isEqualTo(2);
        } finally {
            SharedInfrastructure.asOwner(
                    "metering_service", "ALTER TABLE usage_rollup_hourly DROP CONSTRAINT test_poison_ce");
        }
    }

    @Test
    void aTenantReadsOnlyItsOwnUsage() throws Exception {
        String a = "t-" + UUID.randomUUID();
        String b = "t-" + UUID.randomUUID();
        send(a, UsageEventCodec.toJson(event(a, "deepseek-v3.2", 100, 0, 50, HOUR.plusSeconds(60))));
        send(a, UsageEventCodec.toJson(event(a, "glm-5", 7, 3, 9, HOUR.plusSeconds(120))));
        send(b, UsageEventCodec.toJson(event(b, "deepseek-v3.2", 999, 0, 999, HOUR.plusSeconds(60))));
        await().atMost(Duration.ofSeconds(30)).until(() -> rollup(a, "requests") == 2 && rollup(b, "requests") == 1);

        String range = "from=" + HOUR + "&to=" + HOUR.plus(1, ChronoUnit.HOURS);
        HttpResponse<String> own = get("/api/v1/usage?granularity=hour&group_by=model&" + range, tenantCaller(a));
        assertThat(own.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(own.body());
        assertThat(body.get("tenant_id").asString()).isEqualTo(a);
        assertThat(body.get("granularity").asString()).isEqualTo("hour");
        assertThat(body.get("data")).hasSize(2);
        JsonNode deepseek = body.get("data").get(0);
        assertThat(deepseek.get("model").asString()).isEqualTo("deepseek-v3.2");
        assertThat(deepseek.get("input_tokens").asLong()).isEqualTo(100);
        assertThat(deepseek.get("output_tokens").asLong()).isEqualTo(50);
        assertThat(deepseek.get("period_start").asString()).isEqualTo(HOUR.toString());
        assertThat(body.get("data").get(1).get("cached_input_tokens").asLong()).isEqualTo(3);

        HttpResponse<String> other = get("/api/v1/usage?" + range + "&tenant_id=" + b, tenantCaller(a));
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.headers().firstValue("content-type")).hasValue("application/problem+json");

        HttpResponse<String> finance =
                get("/api/v1/usage?" + range + "&tenant_id=" + b, new Caller("fin", Role.FINANCE, null));
        assertThat(JSON.readTree(finance.body())
                        .get("data")
                        .get(0)
                        .get("input_tokens")
                        .asLong())
                .isEqualTo(999);
    }

    @Test
    void usageQueriesRefuseBadInputWithProblemDetails() throws Exception {
        Caller tenant = tenantCaller("t-x");
        assertProblem(get("/api/v1/usage?granularity=week", tenant), 400, "granularity");
        assertProblem(
                get("/api/v1/usage?from=2026-01-01T10:30:00Z&to=2026-01-02T00:00:00Z", tenant), 400, "whole UTC hour");
        assertProblem(get("/api/v1/usage?from=yesterday", tenant), 400, "ISO-8601");
        assertProblem(get("/api/v1/usage?group_by=provider", tenant), 400, "group_by");
        assertProblem(get("/api/v1/usage?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", tenant), 400, "after");
        assertProblem(get("/api/v1/usage", new Caller("adm", Role.ADMIN, null)), 400, "tenant_id is required");

        HttpResponse<String> unsigned = HTTP.send(
                HttpRequest.newBuilder(uri("/api/v1/usage"))
                        .header(CallerHeaders.CALLER, "v1;0;TENANT;k;t-x")
                        .header(CallerHeaders.SIGNATURE, "forged")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(unsigned, 401, "api-gateway");
    }

    @Test
    void cloudEventsAreValidatedAndDeduplicatedPerEvent() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        String one = cloudEvent("ce-1", tenant, 40, 60);
        HttpResponse<String> single =
                post("/api/v1/events", "application/cloudevents+json", one, new Caller("adm", Role.ADMIN, null));
        assertThat(single.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(single.body()).get("accepted").asInt()).isEqualTo(1);

        String batch = "[" + one + "," + cloudEvent("ce-2", tenant, 1, 2) + "," + cloudEvent("ce-2", tenant, 1, 2) + ","
                + cloudEvent("ce-3", tenant, -1, 2) + "," + one.replace("\"1.0\"", "\"0.3\"") + "]";
        HttpResponse<String> response = post(
                "/api/v1/events", "application/cloudevents-batch+json", batch, new Caller("adm", Role.ADMIN, null));
        JsonNode result = JSON.readTree(response.body());
        assertThat(result.get("accepted").asInt()).isEqualTo(1);
        assertThat(result.get("duplicates").asInt()).isEqualTo(2);
        assertThat(result.get("rejected").asInt()).isEqualTo(2);
        assertThat(result.get("results").get(0).get("outcome").asString()).isEqualTo("duplicate");
        assertThat(result.get("results").get(1).get("outcome").asString()).isEqualTo("accepted");
        assertThat(result.get("results").get(2).get("outcome").asString()).isEqualTo("duplicate");
        assertThat(result.get("results").get(3).get("reason").asString()).contains("input_tokens is negative");
        assertThat(result.get("results").get(4).get("reason").asString()).contains("specversion");

        assertThat(rollup(tenant, "requests")).isEqualTo(2);
        assertThat(rollup(tenant, "input_tokens")).isEqualTo(41);
        assertThat(rollup(tenant, "output_tokens")).isEqualTo(62);

        assertProblem(post("/api/v1/events", "application/json", one, tenantCaller(tenant)), 403, "admin");
        assertProblem(
                post("/api/v1/events", "application/json", "{oops", new Caller("adm", Role.ADMIN, null)),
                400,
                "not JSON");
    }

    @Test
    void billableUsageCountsWhatOccurredInThePeriodAndWasIngestedBeforeTheCutOff() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        Instant start = HOUR.minus(1, ChronoUnit.HOURS);
        ingest(tenant, "b-1", "glm-5", start.plusSeconds(60), 100, 10, 50); // first half hour
        ingest(tenant, "b-2", "glm-5", start.plusSeconds(1800), 200, 0, 70); // second half hour
        ingest(tenant, "b-3", "kimi-k2", start.plusSeconds(3599), 5, 0, 5);
        ingest(tenant, "b-4", "glm-5", start.plusSeconds(3600), 999, 0, 999); // the next period
        ingest("t-other-" + UUID.randomUUID(), "b-5", "glm-5", start.plusSeconds(60), 7, 0, 7);
        Thread.sleep(1_100); // the cut-off must be settled (1 s here, 5 min by default)
        Instant cutoff = Instant.now().minusMillis(1_050);
        ingest(tenant, "b-6", "glm-5", start.plusSeconds(120), 40_000, 0, 40_000); // late: ingested after the cut-off

        Caller finance = new Caller("fin", Role.FINANCE, null);
        String query = "/api/v1/usage/billable?tenant_id=" + tenant + "&from=" + start + "&to="
                + start.plus(1, ChronoUnit.HOURS) + "&ingested_before=" + cutoff;
        HttpResponse<String> response = get(query, finance);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode usage = JSON.readTree(response.body());
        assertThat(usage.get("events").asLong()).isEqualTo(3);
        JsonNode lines = usage.get("lines");
        assertThat(lines)
                .extracting(l ->
                        l.get("model").asString() + "/" + l.get("token_class").asString() + "="
                                + l.get("tokens").asLong())
                .containsExactly(
                        "glm-5/input=300",
                        "glm-5/cached_input=10",
                        "glm-5/output=120",
                        "kimi-k2/input=5",
                        "kimi-k2/output=5");
        JsonNode glmInput = lines.get(0).get("buckets");
        assertThat(glmInput).hasSize(2);
        assertThat(glmInput.get(0).get("from").asString()).isEqualTo(start.toString());
        assertThat(glmInput.get(0).get("tokens").asLong()).isEqualTo(100);
        assertThat(glmInput.get(1).get("from").asString())
                .isEqualTo(start.plusSeconds(1800).toString());

        Thread.sleep(1_100);
        String laterCutoff = Instant.now().minusMillis(1_050).toString();
        JsonNode later = JSON.readTree(
                get(query.replace(cutoff.toString(), laterCutoff), finance).body());
        assertThat(later.get("events").asLong())
                .as("the late event counts with a later cut-off")
                .isEqualTo(4);
        JsonNode lateOnly =
                JSON.readTree(get(query.replace(cutoff.toString(), laterCutoff) + "&ingested_from=" + cutoff, finance)
                        .body());
        assertThat(lateOnly.get("events").asLong())
                .as("between the two cut-offs: the late event alone")
                .isEqualTo(1);
        assertThat(lateOnly.get("lines").get(0).get("tokens").asLong()).isEqualTo(40_000);
        ingest(tenant, "b-7", "glm-5", start.plusSeconds(180), 1, 0, 1); // just now: only a live query sees it
        JsonNode live = JSON.readTree(
                get(query.replace("&ingested_before=" + cutoff, ""), finance).body());
        assertThat(live.get("events").asLong())
                .as("without a cut-off: everything ingested so far")
                .isEqualTo(5);

        String lineage = "/api/v1/usage/billable/events?tenant_id=" + tenant
                + "&model=glm-5&region=cn-beijing&token_class=input&from=" + start + "&to="
                + start.plus(1, ChronoUnit.HOURS) + "&ingested_before=" + cutoff + "&limit=1";
        JsonNode page1 = JSON.readTree(get(lineage, finance).body());
        assertThat(page1.get("events")).hasSize(1);
        assertThat(page1.get("events").get(0).get("tokens").asLong()).isEqualTo(100);
        JsonNode page2 = JSON.readTree(
                get(lineage + "&after=" + page1.get("next").asString(), finance).body());
        assertThat(page2.get("events").get(0).get("tokens").asLong())
                .as("the second event, not the late one")
                .isEqualTo(200);
        JsonNode page3 = JSON.readTree(
                get(lineage + "&after=" + page2.get("next").asString(), finance).body());
        assertThat(page3.get("events")).isEmpty();
        assertThat(page3.get("next").isNull()).isTrue();

        JsonNode clipped = JSON.readTree(get(query.replace("from=" + start, "from=" + start.plusSeconds(30)), finance)
                .body());
        assertThat(clipped.get("lines").get(0).get("buckets").get(0).get("from").asString())
                .as("a bucket the period cuts through is clipped to it")
                .isEqualTo(start.plusSeconds(30).toString());

        // cut at three price edges inside the hour: each bucket lies between two consecutive cuts, and the sums stay
        JsonNode split = JSON.readTree(get(
                        query + "&split_at=" + start.plusSeconds(30) + "," + start.plusSeconds(2000) + "&split_at="
                                + start.plusSeconds(1900),
                        finance)
                .body());
        assertThat(split.get("split_at"))
                .extracting(JsonNode::asString)
                .containsExactly(
                        start.plusSeconds(30).toString(),
                        start.plusSeconds(1900).toString(),
                        start.plusSeconds(2000).toString());
        assertThat(split.get("lines").get(0).get("buckets"))
                .extracting(b -> b.get("from").asString() + "/" + b.get("to").asString() + "="
                        + b.get("tokens").asLong())
                .containsExactly(
                        start.plusSeconds(30) + "/" + start.plusSeconds(1800) + "=100",
                        start.plusSeconds(1800) + "/" + start.plusSeconds(1900) + "=200");
        assertThat(split.get("lines").get(3).get("buckets"))
                .as("kimi-k2 at 59:59, after the last cut")
                .extracting(b -> b.get("from").asString() + "/" + b.get("to").asString())
                .containsExactly(start.plusSeconds(2000) + "/" + start.plus(1, ChronoUnit.HOURS));
        assertThat(split.get("events").asLong()).isEqualTo(3);
        assertProblem(get(query + "&split_at=yesterday", finance), 400, "split_at");

        assertProblem(
                get(
                        query.replace(
                                cutoff.toString(), Instant.now().plusSeconds(60).toString()),
                        finance),
                400,
                "in the past");
        assertProblem(get(query + "&bucket_minutes=7", finance), 400, "bucket_minutes");
        assertProblem(get(query, tenantCaller(tenant)), 403, "finance");
        JsonNode tenants = JSON.readTree(get(
                        "/api/v1/usage/billable/tenants?from=" + start + "&to=" + start.plus(1, ChronoUnit.HOURS)
                                + "&ingested_before=" + cutoff,
                        finance)
                .body());
        assertThat(tenants.toString()).contains(tenant).contains("t-other-");
    }

    private void ingest(String tenant, String id, String model, Instant at, long input, long cached, long output)
            throws Exception {
        String event = """
                {"specversion":"1.0","id":"%s-%s","source":"//gw.example/eu-1","type":"tokenmeter.usage.v1","subject":"%s",
                 "time":"%s","data":{"model":"%s","provider":"zhipu","region":"cn-beijing","input_tokens":%d,
                 "cached_input_tokens":%d,"output_tokens":%d}}""".formatted(id, tenant, tenant, at, model, input, cached, output);
        HttpResponse<String> r =
                post("/api/v1/events", "application/cloudevents+json", event, new Caller("adm", Role.ADMIN, null));
        assertThat(JSON.readTree(r.body()).get("accepted").asInt()).as(r.body()).isEqualTo(1);
    }

    private static String cloudEvent(String id, String tenant, long input, long output) {
        return """
                {"specversion":"1.0","id":"%s","source":"//gw.example/eu-1","type":"tokenmeter.usage.v1","subject":"%s",
                 "time":"%s","datacontenttype":"application/json",
                 "data":{"model":"kimi-k2","provider":"moonshot","region":"sg","input_tokens":%d,"cached_input_tokens":0,
                         "output_tokens":%d}}""".formatted(id, tenant, HOUR.plusSeconds(30), input, output);
    }

    private static Caller tenantCaller(String tenant) {
        return new Caller("key-" + tenant, Role.TENANT, tenant);
    }

    private void assertProblem(HttpResponse<String> response, int status, String detailContains) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("type").asString()).startsWith("https://tokenmeter.io/problems/");
        assertThat(problem.get("detail").asString()).contains(detailContains);
    }

    private URI uri(String path) {
        return URI.create("http://localhost:" + environment.getProperty("local.server.port") + path);
    }

    private HttpResponse<String> get(String path, Caller caller) throws Exception {
        return HTTP.send(
                SignedCalls.request(
                        "http://localhost:" + environment.getProperty("local.server.port"), "GET", path, caller, null),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String contentType, String body, Caller caller) throws Exception {
        return HTTP.send(
                SignedCalls.request(
                        "http://localhost:" + environment.getProperty("local.server.port"),
                        "POST",
                        path,
                        caller,
                        body,
                        contentType),
                HttpResponse.BodyHandlers.ofString());
    }

    private static KafkaConsumer<byte[], byte[]> deadLetterConsumer() {
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                SharedInfrastructure.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "test-dlt-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class));
        consumer.subscribe(List.of(UsageTopics.USAGE_EVENTS_DEAD_LETTER));
        return consumer;
    }
}
