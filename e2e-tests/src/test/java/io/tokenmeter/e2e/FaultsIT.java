package io.tokenmeter.e2e;

import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.localstack.KafkaBroker;
import io.tokenmeter.localstack.KafkaSecurity;
import io.tokenmeter.localstack.LocalStack;
import io.tokenmeter.localstack.PostgresServer;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.testsupport.LocalServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Faults done for real to a platform of its own (its own Kafka broker, with SASL and ACLs as the local stack runs it,
 * and its own PostgreSQL server, so both can be stopped): a gateway killed while Kafka is down, PostgreSQL stopped
 * under
 * metering load, billing killed mid-run. Each asserts exact totals afterwards. And who may write usage events.
 */
class FaultsIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LocalStack stack;
    private static KafkaBroker broker;
    private static KafkaSecurity security;
    private static PostgresServer postgres;
    private static Path home;
    private static Path state;
    private static StackConfig.Ports ports;

    @BeforeAll
    static void startPlatform() throws Exception {
        home = E2eDirectories.home();
        state = E2eDirectories.freshState("faults");
        Files.createDirectories(state);
        ports = StackConfig.Ports.free();
        postgres = PostgresServer.start(state.resolve("postgres"), ports.postgres(), true);
        security = new KafkaSecurity(
                java.util.UUID.randomUUID().toString(),
                Map.of(
                        "gateway",
                        java.util.UUID.randomUUID().toString(),
                        "metering",
                        java.util.UUID.randomUUID().toString(),
                        "billing",
                        java.util.UUID.randomUUID().toString()));
        broker = startBroker();
        stack = LocalStack.start(
                new StackConfig(home, state.resolve("stack"), ports, broker.bootstrapServers(), postgres, security));
    }

    /** The broker as the local stack runs it: SASL on every listener, each service its own user, ACLs on. */
    private static KafkaBroker startBroker() throws Exception {
        return KafkaBroker.start(
                home.resolve("infra/kafka-broker/target/lib"),
                state.resolve("kafka"),
                ports.kafka(),
                ports.kafkaController(),
                state.resolve("kafka.log"),
                security);
    }

    /**
     * Anyone who reached the broker could bill usage to any tenant: now only the gateway's user may write usage
     * events.
     */
    @Test
    void onlyTheGatewaysKafkaUserMayWriteUsageEvents() throws Exception {
        byte[] event = UsageEventCodec.toJson(new UsageEvent(
                1,
                EventIds.newEventId(),
                "acl-tenant",
                "k",
                "glm-5",
                "zhipu",
                "cn-beijing",
                1,
                0,
                0,
                1,
                0,
                false,
                null,
                UsageStatus.SUCCEEDED,
                5,
                Instant.now()));
        assertThat(produce(Map.of(), event)).as("no credentials").isNotNull();
        assertThat(produce(security.client("metering"), event))
                .as("metering's user")
                .isInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
        assertThat(produce(security.client("billing"), event))
                .as("billing's user")
                .isInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
        Map<String, Object> wrongPassword = new java.util.HashMap<>(security.client("gateway"));
        wrongPassword.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"gateway\" password=\"guess\";");
        assertThat(produce(wrongPassword, event)).as("a wrong password").isNotNull();
        assertThat(produce(security.client("gateway"), event))
                .as("the gateway's user")
                .isNull();
    }

    /** The failure of one send with these client settings, or null when the broker took it. */
    private static Throwable produce(Map<String, Object> client, byte[] event) {
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.putAll(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                5000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                8000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5000,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(UsageTopics.USAGE_EVENTS, "acl-tenant", event))
                    .get();
            return null;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }

    @AfterAll
    static void stopPlatform() throws Exception {
        if (stack != null) {
            stack.close();
        }
        if (broker != null) {
            broker.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    /**
     * Kafka stops; the gateway keeps serving, its events going to the spool (each fsynced before its answer); the
     * gateway is killed with SIGKILL while 8 clients keep calling; at the next start it replays the spool. Every call a
     * client saw served is metered, and nothing is metered twice: a call cut by the kill got no answer, and is metered
     * at most once.
     */
    @Test
    void aGatewayKilledUnderLoadWhileKafkaIsDownReplaysItsSpoolAtTheNextStartNoneLostNoneTwice() throws Exception {
        String tenant = stack.demo("TENANT_B_ID");
        String key = stack.demo("TENANT_B_API_KEY");
        assertThat(call(key).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> requests(tenant) == 1);

        broker.close();
        java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger(1);
        java.util.concurrent.atomic.AtomicInteger attempted = new java.util.concurrent.atomic.AtomicInteger(1);
        for (int i = 0; i < 5; i++) {
            attempted.incrementAndGet();
            assertThat(call(key).statusCode()).isEqualTo(200);
            served.incrementAndGet();
        }
        int producedWhileDown = served.get() - 1;
        // the events handed to the producer fail out of it into the spool (the window a crash could lose is its 15 s)
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> spoolDepth() >= producedWhileDown);

        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            clients.add(CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    attempted.incrementAndGet();
                    try {
                        if (call(key).statusCode() == 200) {
                            served.incrementAndGet(); // on disk before this answer
                        }
                    } catch (Exception cut) {
                        // the kill cut this call: no answer, so not served
                    }
                }
            }));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> served.get() > producedWhileDown + 40);
        stack.kill("api-gateway"); // with calls in flight
        stop.set(true);
        CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get();
        broker = startBroker();
        stack.restart("api-gateway");

        int atLeast = served.get();
        int atMost = attempted.get();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> requests(tenant) >= atLeast);
        Thread.sleep(3000); // a replay counted twice would show now
        assertThat(requests(tenant)).as("every served call metered, none twice").isBetween((long) atLeast, (long)
                atMost);
    }

    /** PostgreSQL stopped for five seconds and started again while events stream in: every event counted once. */
    @Test
    void postgresStoppedAndStartedUnderMeteringLoadCountsEveryEventOnce() throws Exception {
        String tenant = "pg-" + EventIds.newEventId();
        int events = 20_000;
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        CompletableFuture<Void> producing;
        Map<String, Object> producerConfig =
                new java.util.HashMap<>(security.client("gateway")); // as the gateway writes them
        producerConfig.putAll(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig)) {
            producing = CompletableFuture.runAsync(
                    () -> { // about 10 s of traffic
                        for (int i = 0; i < events; i++) {
                            UsageEvent e = new UsageEvent(
                                    1,
                                    EventIds.newEventId(),
                                    tenant,
                                    "k",
                                    "glm-5",
                                    "zhipu",
                                    "cn-beijing",
                                    1,
                                    0,
                                    0,
                                    2,
                                    0,
                                    false,
                                    null,
                                    UsageStatus.SUCCEEDED,
                                    5,
                                    hour.plusMillis(i));
                            producer.send(
                                    new ProducerRecord<>(UsageTopics.USAGE_EVENTS, tenant, UsageEventCodec.toJson(e)));
                            if (i % 200 == 199) {
                                sleep(100);
                            }
                        }
                        producer.flush();
                    });
            await().atMost(Duration.ofSeconds(60)).until(() -> requests(tenant) > 0);
            postgres.close();
            sleep(5000);
            postgres = PostgresServer.start(state.resolve("postgres"), ports.postgres(), true);
            producing.get();
        }
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> requests(tenant) >= events);
        Thread.sleep(3000);
        JsonNode row = usage("&tenant_id=" + tenant).get("data").get(0);
        assertThat(row.get("requests").asLong()).isEqualTo(events);
        assertThat(row.get("input_tokens").asLong()).isEqualTo(events);
        assertThat(row.get("output_tokens").asLong()).isEqualTo(2L * events);
    }

    /**
     * Billing killed with SIGKILL while it drafts a run's invoices, and started again: it resumes the pending tenants,
     * each tenant has exactly one invoice, and their numbers, once issued, have no gaps.
     */
    @Test
    void billingKilledDuringAnInvoiceRunResumesWithOneInvoicePerTenantAndGaplessNumbers() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String finance = stack.demo("FINANCE_API_KEY");
        List<String> tenants = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            HttpResponse<String> created = send(
                    "POST",
                    "/api/v1/admin/tenants",
                    admin,
                    "{\"name\":\"Run " + i + "\",\"billing_country\":\"SG\",\"currency\":\"USD\"}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            tenants.add(JSON.readTree(created.body()).get("id").asString());
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> send("GET", "/api/v1/billing/profiles/" + tenants.getLast(), admin, null)
                                .statusCode()
                        == 200);
        Instant from = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
        Instant to = from.plusSeconds(3);
        StringBuilder batch = new StringBuilder("[");
        for (String tenant : tenants) {
            batch.append(batch.length() > 1 ? "," : "")
                    .append("""
                    {"specversion":"1.0","id":"%s","source":"//faults","type":"tokenmeter.usage.v1","subject":"%s","time":"%s",
                     "data":{"model":"deepseek-v3.2","provider":"deepseek","region":"cn-hangzhou","input_tokens":1000000,
                             "cached_input_tokens":0,"output_tokens":1000000}}""".formatted(EventIds.newEventId(), tenant, from.plusSeconds(1)));
        }
        HttpResponse<String> ingested = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/v1/events"))
                        .header("Authorization", "Bearer " + admin)
                        .header("Content-Type", "application/cloudevents-batch+json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                batch.append("]").toString()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(ingested.body()).get("accepted").asInt())
                .as(ingested.body())
                .isEqualTo(tenants.size());
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Instant.now().isAfter(to.plusSeconds(3))); // closed, cut-off settled

        HttpResponse<String> started =
                send("POST", "/api/v1/billing/runs", finance, "{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String runId = JSON.readTree(started.body()).get("id").asString();
        JsonNode beforeKill = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> JSON.readTree(send("GET", "/api/v1/billing/runs/" + runId, finance, null)
                                .body()),
                        r -> r.get("invoiced").asInt() > 0);
        stack.kill("billing-service");
        stack.restart("billing-service");

        JsonNode run = await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> JSON.readTree(send("GET", "/api/v1/billing/runs/" + runId, finance, null)
                                .body()),
                        r -> r.get("pending").asInt() == 0);
        assertThat(run.get("invoiced").asInt()).as(run.toString()).isEqualTo(tenants.size());
        assertThat(run.get("failed").asInt()).isZero();
        List<Long> numbers = new ArrayList<>();
        String series = null;
        for (String tenant : tenants) {
            JsonNode invoices = JSON.readTree(send("GET", "/api/v1/billing/invoices?tenant_id=" + tenant, finance, null)
                            .body())
                    .get("items");
            assertThat(invoices).as("one invoice for " + tenant).hasSize(1);
            HttpResponse<String> issued = send(
                    "POST",
                    "/api/v1/billing/invoices/" + invoices.get(0).get("id").asString() + "/issue",
                    finance,
                    null);
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
            String number = JSON.readTree(issued.body()).get("number").asString();
            String prefix = number.substring(0, number.lastIndexOf('-'));
            series = series == null ? prefix : series;
            assertThat(prefix).isEqualTo(series);
            numbers.add(Long.parseLong(number.substring(number.lastIndexOf('-') + 1)));
        }
        for (int i = 1; i < numbers.size(); i++) {
            assertThat(numbers.get(i)).as("gapless").isEqualTo(numbers.get(i - 1) + 1);
        }
        assertThat(beforeKill.get("pending").asInt())
                .as("the kill came mid-run")
                .isPositive();
    }

    private static HttpResponse<String> call(String key) throws Exception {
        return send(
                "POST",
                "/v1/chat/completions",
                key,
                "{\"model\":\"glm-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"fault\"}]}");
    }

    private static double spoolDepth() throws Exception {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/actuator/prometheus"))
                                .header("Authorization", "Bearer " + stack.demo("ADMIN_API_KEY"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                .filter(l -> l.startsWith("tokenmeter_gateway_spool_depth"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static long requests(String tenant) throws Exception {
        HttpResponse<String> response =
                send("GET", "/api/v1/usage?granularity=month&tenant_id=" + tenant, stack.demo("FINANCE_API_KEY"), null);
        if (response.statusCode() != 200) {
            return -1; // the database is coming back
        }
        JsonNode data = JSON.readTree(response.body()).get("data");
        return data.isEmpty() ? 0 : data.get(0).get("requests").asLong();
    }

    private static JsonNode usage(String extra) throws Exception {
        HttpResponse<String> response =
                send("GET", "/api/v1/usage?granularity=month" + extra, stack.demo("FINANCE_API_KEY"), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        return LocalServer.at(stack.gatewayUrl()).withKey(method, path, key, body);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
