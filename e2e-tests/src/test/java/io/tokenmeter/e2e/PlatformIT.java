package io.tokenmeter.e2e;

import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.localstack.LocalStack;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.SharedInfrastructure;
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

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The platform as ./infra/start runs it: separate processes, real broker, real database. */
class PlatformIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Money read exactly: JSON numbers as BigDecimal, not double. */
    private static final JsonMapper DECIMALS = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static LocalStack stack;

    @BeforeAll
    static void startPlatform() throws Exception {
        Path home = E2eDirectories.home();
        Path state = E2eDirectories.freshState("stack");
        Path demoEnv = state.resolve("demo.env");
        Thread watcher = Thread.ofVirtual().start(() -> watchDemoEnv(demoEnv));
        try {
            stack = LocalStack.start(new StackConfig(
                    home,
                    state,
                    StackConfig.Ports.free(),
                    SharedInfrastructure.kafkaBootstrapServers(),
                    SharedInfrastructure.postgres()));
        } finally {
            watcher.join(Duration.ofSeconds(10));
            watcher.interrupt();
        }
    }

    /** What demo.env held, and what its tenant's first budgeted call would have met, the moment it appeared. */
    private static volatile java.util.Map<String, String> demoEnvAtFirstSight;

    private static volatile int rateCardStatusAtFirstSight;

    private static void watchDemoEnv(Path file) {
        try {
            while (!Files.exists(file)) {
                Thread.sleep(10);
            }
            java.util.Map<String, String> values = new java.util.HashMap<>();
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1).replace("'", ""));
                }
            }
            demoEnvAtFirstSight = values;
            rateCardStatusAtFirstSight = HTTP.send(
                            HttpRequest.newBuilder(URI.create(values.get("GATEWAY_URL") + "/api/v1/rating/rate-card"))
                                    .header("Authorization", "Bearer " + values.get("TENANT_API_KEY"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .statusCode();
        } catch (Exception e) {
            rateCardStatusAtFirstSight = -1;
        }
    }

    /** "TokenMeter is running" came before the demo prices were in force, and demo.env before the tenants existed. */
    @Test
    void demoEnvAppearsWholeOnlyOnceEverythingItPromisesWorks() {
        assertThat(demoEnvAtFirstSight).as("demo.env was seen").isNotNull();
        assertThat(demoEnvAtFirstSight)
                .containsKeys(
                        "GATEWAY_URL",
                        "ADMIN_API_KEY",
                        "FINANCE_API_KEY",
                        "TENANT_ID",
                        "TENANT_API_KEY",
                        "TENANT_B_ID",
                        "TENANT_B_API_KEY");
        assertThat(rateCardStatusAtFirstSight)
                .as("the demo prices were in force the moment demo.env appeared")
                .isEqualTo(200);
    }

    @AfterAll
    static void stopPlatform() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void chatCompletionsThroughTheGatewayShowInUsageWithExactTokenCounts() throws Exception {
        String key = stack.demo("TENANT_API_KEY");
        long prompt = 0;
        long completion = 0;
        java.util.Map<String, Long> outputByEvent = new java.util.HashMap<>();
        List<JsonNode> usages = new java.util.ArrayList<>();
        java.util.Map<String, java.math.BigDecimal> costByEvent = new java.util.HashMap<>();
        for (String model : new String[] {"deepseek-v3.2", "glm-5", "deepseek-v3.2"}) {
            HttpResponse<String> response = send("POST", "/v1/chat/completions", key, """
                    {"model":"%s","max_tokens":25,"messages":[{"role":"user","content":"How many tokens is this question?"}]}""".formatted(model));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode usage = DECIMALS.readTree(response.body()).get("usage");
            prompt += usage.get("prompt_tokens").asLong();
            completion += usage.get("completion_tokens").asLong();
            outputByEvent.put(
                    response.headers().firstValue("X-TokenMeter-Usage-Event-Id").orElseThrow(),
                    usage.get("completion_tokens").asLong());
            usages.add(((tools.jackson.databind.node.ObjectNode) usage).put("model", model));
            costByEvent.put(
                    response.headers().firstValue("X-TokenMeter-Usage-Event-Id").orElseThrow(),
                    usage.get("cost").decimalValue());
        }

        // each answer's cost: its tokens at the rates pricing gives this tenant now, in the tenant's currency
        for (JsonNode usage : usages) {
            JsonNode details = usage.get("cost_details");
            assertThat(usage.has("cost")).as(usage.toString()).isTrue();
            HttpResponse<String> card = send(
                    "GET",
                    "/api/v1/rating/rate-card?currency="
                            + details.get("currency").asString(),
                    key,
                    null);
            java.util.Map<String, java.math.BigDecimal> now = new java.util.HashMap<>();
            for (JsonNode rate : DECIMALS.readTree(card.body()).get("rates")) {
                if (rate.get("model").asString().equals(usage.get("model").asString())) {
                    now.put(
                            rate.get("token_class").asString(),
                            rate.get("rate_per_million_now").decimalValue());
                }
            }
            long cached = Math.max( // OpenAI's shape or DeepSeek's
                    usage.path("prompt_tokens_details").path("cached_tokens").asLong(0),
                    usage.path("prompt_cache_hit_tokens").asLong(0));
            java.math.BigDecimal expected = now.get("input")
                    .multiply(java.math.BigDecimal.valueOf(
                            usage.get("prompt_tokens").asLong() - cached))
                    .add(
                            cached == 0
                                    ? java.math.BigDecimal.ZERO
                                    : now.get("cached_input").multiply(java.math.BigDecimal.valueOf(cached)))
                    .add(now.get("output")
                            .multiply(java.math.BigDecimal.valueOf(
                                    usage.get("completion_tokens").asLong())))
                    .movePointLeft(6);
            assertThat(usage.get("cost").decimalValue()).as(usage.toString()).isEqualByComparingTo(expected);
        }
        long expectedPrompt = prompt;
        long expectedCompletion = completion;

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> {
                    JsonNode rows =
                            usage(key, "group_by=model&granularity=month", "").get("data");
                    assertThat(rows).hasSize(2);
                    long input = 0;
                    long output = 0;
                    for (JsonNode row : rows) {
                        input += row.get("input_tokens").asLong();
                        output += row.get("output_tokens").asLong();
                    }
                    assertThat(input).isEqualTo(expectedPrompt);
                    assertThat(output).isEqualTo(expectedCompletion);
                    assertThat(rows.get(0).get("model").asString()).isEqualTo("deepseek-v3.2");
                    assertThat(rows.get(0).get("requests").asLong()).isEqualTo(2);
                });

        // each call in the request log, through the gateway, as JSON and as CSV
        HttpResponse<String> log = send("GET", "/api/v1/requests?limit=1000", key, null);
        assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
        java.util.Map<String, Long> logged = new java.util.HashMap<>();
        for (JsonNode row : DECIMALS.readTree(log.body()).get("data")) {
            if (outputByEvent.containsKey(row.get("event_id").asString())) {
                assertThat(row.get("cost").decimalValue())
                        .as("the log shows what the answer showed")
                        .isEqualByComparingTo(
                                costByEvent.get(row.get("event_id").asString()));
                assertThat(row.get("region").asString()).isNotBlank();
                assertThat(row.get("status").asString()).isEqualTo("succeeded");
                logged.put(
                        row.get("event_id").asString(), row.get("output_tokens").asLong());
            }
        }
        assertThat(logged).isEqualTo(outputByEvent);
        HttpResponse<String> csv = send("GET", "/api/v1/requests?format=csv", key, null);
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.body()).startsWith("occurred_at,event_id,");
        assertThat(outputByEvent.keySet())
                .allSatisfy(id -> assertThat(csv.body()).contains(id));
    }

    /**
     * A streamed call that fell back: minimax-m2.5 is routed through the catalog API to an upstream nobody listens on
     * first (cn-beijing), then the simulator (sg). The stream's final chunk carries the cost the hand computes from
     * the rate card's sg rates (usage is shown because the client asked for it), and the request log shows the call
     * streamed, served in sg, with the cn-beijing attempt and its error. The route is put back afterwards. A tenant of
     * its own, so the demo tenant's usage stays what the other tests expect.
     */
    @Test
    void aStreamThatFellBackShowsItsCostInTheLastChunkAndItsAttemptsInTheRequestLog() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String tenant = tenant(admin, "{\"name\":\"Fallback Co\",\"billing_country\":\"US\",\"currency\":\"USD\"}");
        HttpResponse<String> issued =
                send("POST", "/api/v1/admin/tenants/" + tenant + "/api-keys", admin, "{\"name\":\"agent\"}");
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        String key = JSON.readTree(issued.body()).get("key").asString();
        String demoRoutes = """
                {"routes":[{"upstream":"simulator","provider":"minimax","region":"sg"}]}""";
        assertThat(send("PUT", "/api/v1/admin/catalog/upstreams/nobody-listens", admin, """
                        {"base_url":"http://127.0.0.1:9/v1","connect_timeout_ms":2000}""")
                        .statusCode())
                .isEqualTo(200);
        HttpResponse<String> rerouted = send("PUT", "/api/v1/admin/catalog/models/minimax-m2.5", admin, """
                {"routes":[{"upstream":"nobody-listens","provider":"minimax","region":"cn-beijing"},
                           {"upstream":"simulator","provider":"minimax","region":"sg"}]}""");
        assertThat(rerouted.statusCode()).as(rerouted.body()).isEqualTo(200);
        try {
            HttpResponse<java.io.InputStream> stream = HTTP.send(
                    HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/v1/chat/completions"))
                            .header("Authorization", "Bearer " + key)
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("""
                                    {"model":"minimax-m2.5","stream":true,"stream_options":{"include_usage":true},
                                     "max_tokens":30,"messages":[{"role":"user","content":"fall back and stream"}]}"""))
                            .build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.statusCode()).isEqualTo(200);
            String eventId =
                    stream.headers().firstValue("X-TokenMeter-Usage-Event-Id").orElseThrow();
            JsonNode usage = null;
            try (java.io.BufferedReader lines = new java.io.BufferedReader(
                    new java.io.InputStreamReader(stream.body(), java.nio.charset.StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith("data: {")) {
                        JsonNode chunk = DECIMALS.readTree(line.substring(6));
                        if (chunk.hasNonNull("usage")) {
                            usage = chunk.get("usage");
                        }
                    }
                }
            }
            assertThat(usage).as("the final chunk's usage").isNotNull();
            JsonNode details = usage.get("cost_details");
            java.util.Map<String, java.math.BigDecimal> now = new java.util.HashMap<>();
            for (JsonNode rate : DECIMALS.readTree(send(
                                    "GET",
                                    "/api/v1/rating/rate-card?currency="
                                            + details.get("currency").asString(),
                                    key,
                                    null)
                            .body())
                    .get("rates")) {
                if (rate.get("model").asString().equals("minimax-m2.5")
                        && rate.get("region").asString().equals("sg")) {
                    now.put(
                            rate.get("token_class").asString(),
                            rate.get("rate_per_million_now").decimalValue());
                }
            }
            java.math.BigDecimal expected = now.get("input")
                    .multiply(java.math.BigDecimal.valueOf(
                            usage.get("prompt_tokens").asLong()))
                    .add(now.get("output")
                            .multiply(java.math.BigDecimal.valueOf(
                                    usage.get("completion_tokens").asLong())))
                    .movePointLeft(6);
            assertThat(usage.get("cost").decimalValue()).as(usage.toString()).isEqualByComparingTo(expected);

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        JsonNode row = null;
                        for (JsonNode r : DECIMALS.readTree(
                                        send("GET", "/api/v1/requests?model=minimax-m2.5", key, null)
                                                .body())
                                .get("data")) {
                            if (r.get("event_id").asString().equals(eventId)) {
                                row = r;
                            }
                        }
                        assertThat(row)
                                .as("the streamed call in the request log")
                                .isNotNull();
                        assertThat(row.get("region").asString()).isEqualTo("sg");
                        assertThat(row.get("streamed").asBoolean()).isTrue();
                        assertThat(row.get("cost").decimalValue()).isEqualByComparingTo(expected);
                        assertThat(row.get("attempts")).hasSize(1);
                        assertThat(row.get("attempts").get(0).get("region").asString())
                                .isEqualTo("cn-beijing");
                        assertThat(row.get("attempts").get(0).get("error").asString())
                                .isEqualTo("connect");
                    });
        } finally {
            send("PUT", "/api/v1/admin/catalog/models/minimax-m2.5", admin, demoRoutes);
            send("DELETE", "/api/v1/admin/catalog/upstreams/nobody-listens", admin, null);
        }
    }

    @Test
    void aTenantCannotReadAnotherTenantsUsageThroughTheGateway() throws Exception {
        String a = stack.demo("TENANT_ID");
        String keyB = stack.demo("TENANT_B_API_KEY");
        assertThat(send("GET", "/api/v1/usage?tenant_id=" + a, keyB, null).statusCode())
                .isEqualTo(403);

        // a caller header the client forges is replaced by the gateway's own, signed one
        HttpResponse<String> forged = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/v1/usage"))
                        .header("Authorization", "Bearer " + keyB)
                        .header("X-TokenMeter-Caller", "v1;" + Instant.now().getEpochSecond() + ";TENANT;x;" + a)
                        .header("X-TokenMeter-Caller-Signature", "forged")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forged.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(forged.body()).get("tenant_id").asString()).isEqualTo(stack.demo("TENANT_B_ID"));

        assertThat(send("GET", "/api/v1/usage", "tm_wrong", null).statusCode()).isEqualTo(401);
    }

    @Test
    void killingTheMeteringConsumerMidStreamLosesAndDoubleCountsNothing() throws Exception {
        String tenant = "crash-" + EventIds.newEventId();
        int events = 40_000;
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        CompletableFuture<Void> producing;
        try (KafkaProducer<String, byte[]> producer = usageProducer()) {
            // about 8 s of traffic, so the kill lands in the middle of it
            producing = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < events; i++) {
                    UsageEvent e = new UsageEvent(
                            1,
                            EventIds.newEventId(),
                            tenant,
                            "k",
                            "glm-5",
                            "zhipu",
                            "cn-beijing",
                            i % 7,
                            i % 3,
                            0,
                            1,
                            0,
                            false,
                            null,
                            UsageStatus.SUCCEEDED,
                            5,
                            hour.plusMillis(i));
                    producer.send(new ProducerRecord<>(UsageTopics.USAGE_EVENTS, tenant, UsageEventCodec.toJson(e)));
                    if (i % 500 == 499) {
                        sleep(100);
                    }
                }
                producer.flush();
            });
            await().atMost(Duration.ofSeconds(60)).until(() -> requests(tenant) > 0);
            long countedBeforeKill = requests(tenant);
            try {
                stack.kill("metering-service");
                // A SIGKILL between a batch's commit to the database and its offset commit makes the next start replay
                // it; the kill alone lands there only sometimes, so the lost offset commit is played for certain: the
                // dead group's offsets are moved back up to 1,000 events a partition, as if its last commits were lost.
                rewindMeteringOffsets(1_000);
            } finally {
                stack.restart("metering-service");
            }
            producing.get();
            assertThat(countedBeforeKill).as("the kill came mid-stream").isLessThan(events);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> meteringCounter("duplicate") > 0);
        assertThat(meteringCounter("duplicate"))
                .as("the restarted consumer replayed events it had stored")
                .isPositive();
        long expectedInput = 0;
        long expectedCached = 0;
        for (int i = 0; i < events; i++) {
            expectedInput += i % 7;
            expectedCached += i % 3;
        }
        long input = expectedInput;
        long cached = expectedCached;
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode row = usage(stack.demo("FINANCE_API_KEY"), "granularity=month", "&tenant_id=" + tenant)
                            .get("data")
                            .get(0);
                    assertThat(row.get("requests").asLong()).isEqualTo(events);
                    assertThat(row.get("output_tokens").asLong()).isEqualTo(events);
                    assertThat(row.get("input_tokens").asLong()).isEqualTo(input);
                    assertThat(row.get("cached_input_tokens").asLong()).isEqualTo(cached);
                });
        sleep(3000); // anything still in flight would now show as a double count
        assertThat(usage(stack.demo("FINANCE_API_KEY"), "granularity=month", "&tenant_id=" + tenant)
                        .get("data")
                        .get(0)
                        .get("requests")
                        .asLong())
                .isEqualTo(events);
    }

    /**
     * Two metering instances in one consumer group share the topic's partitions; one is killed with SIGKILL mid-stream
     * and restarted at once, so it rejoins while the group rebalances: every event is counted, none twice.
     */
    @Test
    void twoMeteringInstancesShareTheStreamAndOneKilledAndRejoiningLosesAndDoubleCountsNothing() throws Exception {
        String run = "scale-" + EventIds.newEventId();
        List<String> tenants = new java.util.ArrayList<>();
        for (int t = 0; t < 16; t++) { // keyed by tenant: 16 keys spread over the topic's 8 partitions
            tenants.add(run + "-" + t);
        }
        int events = 32_000;
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS);
        stack.startInstance("metering-service", "metering-service-2");
        try (KafkaProducer<String, byte[]> producer = usageProducer()) {
            CompletableFuture<Void> producing = CompletableFuture.runAsync(
                    () -> { // about 6 s of traffic
                        for (int i = 0; i < events; i++) {
                            String tenant = tenants.get(i % tenants.size());
                            UsageEvent e = new UsageEvent(
                                    1,
                                    EventIds.newEventId(),
                                    tenant,
                                    "k",
                                    "glm-5",
                                    "zhipu",
                                    "cn-beijing",
                                    i % 5,
                                    0,
                                    0,
                                    1,
                                    0,
                                    false,
                                    null,
                                    UsageStatus.SUCCEEDED,
                                    5,
                                    hour.plusMillis(i));
                            producer.send(
                                    new ProducerRecord<>(UsageTopics.USAGE_EVENTS, tenant, UsageEventCodec.toJson(e)));
                            if (i % 500 == 499) {
                                sleep(100);
                            }
                        }
                        producer.flush();
                    });
            await().atMost(Duration.ofSeconds(60)).until(() -> requests(tenants.getFirst()) > 0);
            try {
                stack.kill("metering-service");
            } finally {
                stack.restart("metering-service"); // rejoins while the group rebalances around the dead member
            }
            producing.get();
        }
        try {
            long perTenant = events / tenants.size();
            await().atMost(Duration.ofSeconds(150))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> tenants.stream()
                                    .mapToLong(t -> {
                                        try {
                                            return requests(t);
                                        } catch (Exception e) {
                                            return -1;
                                        }
                                    })
                                    .sum()
                            >= events);
            sleep(3000); // anything still in flight would now show as a double count
            for (int t = 0; t < tenants.size(); t++) {
                long expectedInput = 0;
                for (int i = t; i < events; i += tenants.size()) {
                    expectedInput += i % 5;
                }
                JsonNode row = usage(stack.demo("FINANCE_API_KEY"), "granularity=month", "&tenant_id=" + tenants.get(t))
                        .get("data")
                        .get(0);
                assertThat(row.get("requests").asLong())
                        .as("events of %s", tenants.get(t))
                        .isEqualTo(perTenant);
                assertThat(row.get("input_tokens").asLong())
                        .as("input of %s", tenants.get(t))
                        .isEqualTo(expectedInput);
            }
            assertThat(meteringCounter("metering-service-2", "stored"))
                    .as("the second instance stored its share")
                    .isPositive();
        } finally {
            stack.stop("metering-service-2"); // the other tests meet one instance, as they expect
        }
    }

    /**
     * Usage of the demo USD list prices (DeepSeek V3.2: input 0.27, cached input 0.07, output 1.10 per 1M; half price
     * from 16:30 to 00:30 UTC) ingested for a German business invoiced in EUR (demo rate 1 EUR = 1.08 USD, so the
     * inverse; EU reverse charge, no tax), run for a period that ended seconds ago, equals the amounts computed here
     * to the cent. A tenant with unpriced usage fails alone, with the reason, and is not billed at zero.
     */
    @Test
    void anInvoiceRunBillsEveryTenantWithUsageToTheCentAndAFailingTenantAlone() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String finance = stack.demo("FINANCE_API_KEY");
        String billed = tenant(
                admin,
                "{\"name\":\"Run Co\",\"legal_name\":\"Run Co GmbH\",\"billing_country\":\"DE\",\"currency\":\"EUR\",\"tax_id\":\"DE999999999\"}");
        String unpriced = tenant(admin, "{\"name\":\"Odd Co\",\"billing_country\":\"SG\",\"currency\":\"SGD\"}");

        Instant from = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        while (crossesOffPeakEdge(
                from, from.plusSeconds(5))) { // a bucket across the window's edge is refused by design
            sleep(1000);
            from = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        }
        Instant to = from.plusSeconds(5);
        ingest(admin, billed, "deepseek-v3.2", from.plusSeconds(1), 50_000_000, 0, 10_000_000);
        ingest(admin, billed, "deepseek-v3.2", from.plusSeconds(3), 70_000_000, 5_000_000, 20_000_000);
        ingest(admin, unpriced, "mystery-model", from.plusSeconds(2), 1_000, 0, 1_000);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Instant.now().isAfter(to.plusSeconds(3))); // closed, and cut-off settled

        HttpResponse<String> started =
                send("POST", "/api/v1/billing/runs", finance, "{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String runId = JSON.readTree(started.body()).get("id").asString();
        HttpResponse<String> again =
                send("POST", "/api/v1/billing/runs", finance, "{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}");
        assertThat(again.statusCode())
                .as("the same period again creates nothing")
                .isEqualTo(200);
        assertThat(JSON.readTree(again.body()).get("id").asString()).isEqualTo(runId);
        assertThat(send(
                                "POST",
                                "/api/v1/billing/runs",
                                finance,
                                "{\"from\":\"" + from.minusSeconds(1) + "\",\"to\":\"" + to + "\"}")
                        .statusCode())
                .as("an overlapping period is refused")
                .isEqualTo(409);
        assertThat(send("POST", "/api/v1/billing/runs", admin, "{\"period\":\"2020-01\"}")
                        .statusCode())
                .isEqualTo(403);
        assertThat(send("GET", "/api/v1/billing/runs", finance, null).body()).contains(runId);

        JsonNode run = await().atMost(Duration.ofSeconds(30))
                .until(
                        () -> JSON.readTree(send("GET", "/api/v1/billing/runs/" + runId, finance, null)
                                .body()),
                        r -> r.get("pending").asInt() == 0);
        assertThat(run.get("failures").toString())
                .contains(unpriced)
                .contains("unpriced")
                .contains("mystery-model");
        assertThat(run.get("failures").toString()).doesNotContain(billed);

        JsonNode invoices = JSON.readTree(send("GET", "/api/v1/billing/invoices?tenant_id=" + billed, finance, null)
                        .body())
                .get("items");
        assertThat(invoices).hasSize(1);
        JsonNode invoice = JSON.readTree(send(
                        "GET",
                        "/api/v1/billing/invoices/" + invoices.get(0).get("id").asString(),
                        finance,
                        null)
                .body());
        boolean offPeak = inOffPeak(from);
        BigDecimal factor = offPeak ? new BigDecimal("0.5") : BigDecimal.ONE;
        BigDecimal usdToEur = BigDecimal.ONE.divide(new BigDecimal("1.08"), java.math.MathContext.DECIMAL128);
        BigDecimal input =
                eur(new BigDecimal("120").multiply(new BigDecimal("0.27")).multiply(factor), usdToEur);
        BigDecimal cached =
                eur(new BigDecimal("5").multiply(new BigDecimal("0.07")).multiply(factor), usdToEur);
        BigDecimal output =
                eur(new BigDecimal("30").multiply(new BigDecimal("1.10")).multiply(factor), usdToEur);
        assertThat(invoice.get("lines"))
                .extracting(l -> l.get("token_class").asString() + "="
                        + l.get("tokens").asLong() + "@" + plain(l.get("amount").decimalValue()))
                .containsExactlyInAnyOrder(
                        "input=120000000@" + plain(input),
                        "cached_input=5000000@" + plain(cached),
                        "output=30000000@" + plain(output));
        assertThat(invoice.get("subtotal").decimalValue())
                .isEqualByComparingTo(input.add(cached).add(output));
        assertThat(invoice.get("tax").decimalValue()).isEqualByComparingTo("0");
        assertThat(invoice.get("total").decimalValue())
                .isEqualByComparingTo(input.add(cached).add(output));
        assertThat(invoice.get("tax_rule").get("legal_note").asString()).contains("Reverse charge");
        assertThat(invoice.get("lines").get(0).get("fx_rate").doubleValue())
                .isCloseTo(usdToEur.doubleValue(), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(invoice.get("currency").asString()).isEqualTo("EUR");
        assertThat(lineageTokens(finance, invoice, "input"))
                .as("the two events behind the input line")
                .containsExactly(50_000_000L, 70_000_000L);

        String csv = send(
                        "GET",
                        "/api/v1/billing/exports/invoice-lines.csv?run_id=" + runId + "&tenant_id=" + billed,
                        finance,
                        null)
                .body();
        assertThat(csv.lines().count())
                .as("the header and one row per line of the run's invoice")
                .isEqualTo(4);
        assertThat(csv).contains(runId).contains("Run Co GmbH").contains("DE999999999");

        JsonNode reconciliation =
                JSON.readTree(send("GET", "/api/v1/billing/runs/" + runId + "/reconciliation", finance, null)
                        .body());
        assertThat(reconciliation.get("clean").asBoolean())
                .as("the unpriced tenant was not invoiced")
                .isFalse();
        JsonNode ofBilled = tenantOf(reconciliation, billed);
        assertThat(ofBilled.get("classes"))
                .extracting(c -> c.get("token_class").asString() + ":"
                        + c.get("metered").asLong() + "-" + c.get("invoiced").asLong() + "="
                        + c.get("difference").asLong())
                .containsExactly(
                        "cached_input:5000000-5000000=0", "input:120000000-120000000=0", "output:30000000-30000000=0");
        assertThat(ofBilled.get("causes")).isEmpty();
        JsonNode ofUnpriced = tenantOf(reconciliation, unpriced);
        assertThat(ofUnpriced.get("classes").get(0).get("difference").asLong()).isEqualTo(1_000);
        assertThat(ofUnpriced.get("causes").toString()).contains("not invoiced").contains("unpriced");

        HttpResponse<String> retried =
                send("POST", "/api/v1/billing/runs/" + runId + "/tenants/" + unpriced + "/retry", finance, null);
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(retried.body()).get("failures").toString())
                .as("still unpriced, still not billed")
                .contains(unpriced);
        assertThat(JSON.readTree(send("GET", "/api/v1/billing/invoices?tenant_id=" + unpriced, finance, null)
                                .body())
                        .get("items"))
                .isEmpty();
    }

    /**
     * An event of a period already invoiced, ingested after that run's cut-off, is billed once, by the next run, as
     * an adjustment line labelled with its period; a tenant whose only usage is late is invoiced for it too.
     */
    @Test
    void lateEventsAreBilledOnceAsAdjustmentsOnTheNextRun() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String finance = stack.demo("FINANCE_API_KEY");
        String onTime = tenant(admin, "{\"name\":\"Late Co\",\"billing_country\":\"US\",\"currency\":\"USD\"}");
        String lateOnly = tenant(admin, "{\"name\":\"Later Co\",\"billing_country\":\"US\",\"currency\":\"USD\"}");

        Instant a = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        while (crossesOffPeakEdge(a, a.plusSeconds(10))) {
            sleep(1000);
            a = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        }
        Instant b = a.plusSeconds(5);
        Instant end = b.plusSeconds(5);
        ingest(admin, onTime, "deepseek-v3.2", a.plusSeconds(1), 20_000_000, 0, 0);
        awaitClosed(b);
        String first = run(finance, a, b);
        JsonNode firstInvoice = invoiceOf(finance, first, onTime);
        assertThat(firstInvoice.get("lines")).hasSize(1);

        // arrive after the first run's cut-off, though they occurred in its period
        ingest(admin, onTime, "deepseek-v3.2", a.plusSeconds(2), 10_000_000, 0, 0);
        ingest(admin, lateOnly, "deepseek-v3.2", a.plusSeconds(3), 0, 0, 4_000_000);
        ingest(admin, onTime, "deepseek-v3.2", b.plusSeconds(1), 0, 0, 1_000_000);
        awaitClosed(end);
        String second = run(finance, b, end);

        BigDecimal factor = inOffPeak(a) ? new BigDecimal("0.5") : BigDecimal.ONE;
        JsonNode invoice = invoiceOf(finance, second, onTime);
        assertThat(invoice.get("lines"))
                .extracting(l -> l.get("kind").asString() + " "
                        + l.get("token_class").asString() + "="
                        + l.get("tokens").asLong() + "@" + plain(l.get("amount").decimalValue()) + " from "
                        + l.path("usage_period_start").asString(""))
                .containsExactly(
                        "USAGE output=1000000@" + plain(usd("1", "1.10", factor)) + " from ",
                        "ADJUSTMENT input=10000000@" + plain(usd("10", "0.27", factor)) + " from " + a);
        JsonNode lateInvoice = invoiceOf(finance, second, lateOnly);
        assertThat(lateInvoice.get("lines")).hasSize(1);
        assertThat(lateInvoice.get("lines").get(0).get("kind").asString()).isEqualTo("ADJUSTMENT");
        assertThat(lateInvoice.get("total").decimalValue()).isEqualByComparingTo(usd("4", "1.10", factor));
        assertThat(JSON.readTree(send(
                                        "GET",
                                        "/api/v1/billing/invoices/"
                                                + firstInvoice.get("id").asString(),
                                        finance,
                                        null)
                                .body())
                        .get("total")
                        .decimalValue())
                .as("the first invoice is as it was")
                .isEqualByComparingTo(firstInvoice.get("total").decimalValue());
        assertThat(lineageTokens(finance, firstInvoice, "input"))
                .as("the first run's line: the on-time event only")
                .containsExactly(20_000_000L);
        assertThat(lineageTokens(finance, invoice, "input"))
                .as("the adjustment: the late event only")
                .containsExactly(10_000_000L);

        JsonNode reconciled =
                JSON.readTree(send("GET", "/api/v1/billing/runs/" + first + "/reconciliation", finance, null)
                        .body());
        JsonNode input = tenantOf(reconciled, onTime).get("classes").get(0);
        assertThat(input.get("metered").asLong()).isEqualTo(20_000_000);
        assertThat(input.get("difference").asLong()).isZero();
        assertThat(input.get("late_after_cutoff").asLong()).isEqualTo(10_000_000);
        assertThat(tenantOf(reconciled, onTime).get("causes").toString()).contains("late events");
        assertThat(tenantOf(reconciled, lateOnly).get("status").asString()).isEqualTo("late_only");
        assertThat(send(
                                "GET",
                                "/api/v1/billing/invoices/" + invoice.get("id").asString() + "/lines/"
                                        + invoice.get("lines").get(0).get("id").asString() + "/events",
                                stack.demo("TENANT_API_KEY"),
                                null)
                        .statusCode())
                .as("another tenant's invoice")
                .isEqualTo(404);
    }

    private static JsonNode tenantOf(JsonNode reconciliation, String tenant) {
        for (JsonNode t : reconciliation.get("tenants")) {
            if (t.get("tenant_id").asString().equals(tenant)) {
                return t;
            }
        }
        throw new AssertionError(tenant + " is not in the reconciliation " + reconciliation);
    }

    /** The tokens of each event behind the invoice's line of this token class, following the pages. */
    private static List<Long> lineageTokens(String finance, JsonNode invoice, String tokenClass) throws Exception {
        String lineId = null;
        for (JsonNode line : invoice.get("lines")) {
            if (line.get("token_class").asString().equals(tokenClass)) {
                lineId = line.get("id").asString();
            }
        }
        List<Long> tokens = new java.util.ArrayList<>();
        String after = null;
        do {
            HttpResponse<String> page = send(
                    "GET",
                    "/api/v1/billing/invoices/" + invoice.get("id").asString() + "/lines/" + lineId + "/events?limit=1"
                            + (after == null ? "" : "&after=" + after),
                    finance,
                    null);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(page.body());
            body.get("events").forEach(e -> tokens.add(e.get("tokens").asLong()));
            after = body.get("next").isNull() ? null : body.get("next").asString();
        } while (after != null);
        return tokens;
    }

    private static BigDecimal usd(String millions, String rate, BigDecimal factor) {
        return new BigDecimal(millions)
                .multiply(new BigDecimal(rate))
                .multiply(factor)
                .setScale(2, java.math.RoundingMode.HALF_EVEN);
    }

    private static void awaitClosed(Instant periodEnd) {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Instant.now().isAfter(periodEnd.plusSeconds(3))); // closed, cut-off settled
    }

    /** Runs a period and waits until no tenant is pending; returns the run id. */
    private static String run(String finance, Instant from, Instant to) throws Exception {
        HttpResponse<String> started =
                send("POST", "/api/v1/billing/runs", finance, "{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = JSON.readTree(started.body()).get("id").asString();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> JSON.readTree(send("GET", "/api/v1/billing/runs/" + id, finance, null)
                                        .body())
                                .get("pending")
                                .asInt()
                        == 0);
        return id;
    }

    private static JsonNode invoiceOf(String finance, String runId, String tenant) throws Exception {
        JsonNode run = JSON.readTree(
                send("GET", "/api/v1/billing/runs/" + runId, finance, null).body());
        assertThat(run.get("failures").toString()).doesNotContain(tenant);
        for (JsonNode item : JSON.readTree(send("GET", "/api/v1/billing/invoices?tenant_id=" + tenant, finance, null)
                        .body())
                .get("items")) {
            JsonNode invoice = JSON.readTree(
                    send("GET", "/api/v1/billing/invoices/" + item.get("id").asString(), finance, null)
                            .body());
            if (run.get("period_start")
                    .asString()
                    .equals(invoice.get("period_start").asString())) {
                return invoice;
            }
        }
        throw new AssertionError("no invoice of run " + runId + " for " + tenant);
    }

    /**
     * A tenant on its own contract book with graduated tiers, invoiced in yen: no minor units, and USD to JPY only
     * through EUR (demo rates 1 EUR = 1.08 USD = 162 JPY, so 150 JPY per USD). The tiers continue across the
     * period's events and regions; each line is rounded once, to whole yen, half to even.
     */
    @Test
    void aRunPricesTiersOfAContractAndConvertsThroughACrossRateToAZeroDecimalCurrency() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String finance = stack.demo("FINANCE_API_KEY");
        HttpResponse<String> issuer = send(
                "POST",
                "/api/v1/billing/issuers",
                admin,
                "{\"id\":\"SGB\",\"legal_name\":\"TokenMeter Demo B Pte. Ltd.\",\"country\":\"SG\"}");
        assertThat(issuer.statusCode()).as(issuer.body()).isEqualTo(201);
        String tenant = tenant(
                admin, "{\"name\":\"Yen KK\",\"billing_country\":\"JP\",\"currency\":\"JPY\",\"issuer_id\":\"SGB\"}");
        String bookId = usdSellBook(admin, "Yen KK contract");
        Instant effective = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        version(admin, bookId, effective, """
                [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","mode":"graduated",
                   "tiers":[{"from_tokens":0,"rate_per_million":"1.10"},{"from_tokens":10000000,"rate_per_million":"0.80"}]},
                  {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","rate_per_million":"0.27"}]""");
        contract(admin, tenant, bookId, effective);

        Instant from = effective.plusSeconds(1);
        Instant to = from.plusSeconds(5);
        ingest(admin, tenant, "deepseek-v3.2", from.plusSeconds(1), 1_234_567, 0, 6_000_000);
        ingest(
                admin,
                tenant,
                "deepseek-v3.2",
                from.plusSeconds(2),
                0,
                0,
                7_000_000); // crosses 10M: 4M at 1.10, 3M at 0.80
        awaitClosed(to);
        JsonNode invoice = invoiceOf(finance, run(finance, from, to), tenant);

        assertThat(invoice.get("currency").asString()).isEqualTo("JPY");
        assertThat(invoice.get("issuer_id").asString())
                .as("the issuer the tenant's profile names")
                .isEqualTo("SGB");
        assertThat(invoice.get("lines"))
                .extracting(l -> l.get("token_class").asString() + "="
                        + l.get("tokens").asLong() + "@"
                        + l.get("unit_rate_per_million")
                                .decimalValue()
                                .stripTrailingZeros()
                                .toPlainString() + "->" + plain(l.get("amount").decimalValue()))
                .containsExactlyInAnyOrder(
                        "input=1234567@0.27->50", // 0.33333309 USD x 150 = 49.9999635 -> 50
                        "output=10000000@1.1->1650", // 11.00 USD x 150
                        "output=3000000@0.8->360"); //  2.40 USD x 150
        assertThat(invoice.get("tax").decimalValue())
                .as("zero-rated export of services")
                .isEqualByComparingTo("0");
        assertThat(invoice.get("total").decimalValue()).isEqualByComparingTo("2060");
        assertThat(invoice.get("lines").get(0).get("fx_rate").decimalValue()).isEqualByComparingTo("150");
    }

    /** Compared by value: 30.00 and 30.0 are the same amount (the JSON parser here reads numbers as doubles). */
    private static String plain(BigDecimal amount) {
        return amount.stripTrailingZeros().toPlainString();
    }

    private static BigDecimal eur(BigDecimal usd, BigDecimal rate) {
        return usd.multiply(rate).setScale(2, java.math.RoundingMode.HALF_EVEN);
    }

    private static boolean inOffPeak(Instant at) {
        java.time.LocalTime t = at.atOffset(java.time.ZoneOffset.UTC).toLocalTime();
        return !t.isBefore(java.time.LocalTime.of(16, 30)) || t.isBefore(java.time.LocalTime.of(0, 30));
    }

    private static boolean crossesOffPeakEdge(Instant from, Instant to) {
        return inOffPeak(from) != inOffPeak(to.minusMillis(1));
    }

    /**
     * A budget enforced with the real pricing-service's rate card (demo USD list prices, DeepSeek V3.2: input 0.27,
     * cached 0.07, output 1.10 per 1M): 200 calls at once against a budget that covers about 50 of them. Not a cent
     * over, and the ledger's spend is exactly what the served calls cost at those rates. Then the live spend (billing)
     * prices the same usage as an invoice would, off-peak discount included, never above the ledger's bound but for the
     * rounding of its lines.
     */
    @Test
    void twoHundredConcurrentCallsNeverSpendMoreThanTheBudget() throws Exception {
        while (crossesOffPeakEdge(
                Instant.now(), Instant.now().plusSeconds(120))) { // the live spend check below prices one side
            sleep(5000);
        }
        String admin = stack.demo("ADMIN_API_KEY");
        Instant since = Instant.now(); // after the demo prices took effect (the month began before them)
        Budgeted capped = budgetedTenant(admin, "Capped Co", "0.55");
        String key = capped.key();
        String budgetId = capped.budgetId();

        List<CompletableFuture<HttpResponse<String>>> calls = new java.util.ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(200)) {
            for (int i = 0; i < 200; i++) { // each call: 10,000 output tokens = 0.011 USD, plus a few prompt tokens
                calls.add(CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return send("POST", "/v1/chat/completions", key, """
                                {"model":"deepseek-v3.2","max_tokens":10000,"messages":[{"role":"user","content":"a costly answer please"}]}""");
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        pool));
            }
        }
        java.math.BigDecimal cost = java.math.BigDecimal.ZERO;
        long[] tokens = new long[3]; // input, cached, output
        int served = 0;
        for (CompletableFuture<HttpResponse<String>> call : calls) {
            HttpResponse<String> response = call.get();
            if (response.statusCode() == 200) {
                served++;
                JsonNode usage = JSON.readTree(response.body()).get("usage");
                long cached = usage.path("prompt_cache_hit_tokens").asLong(0);
                tokens[0] += usage.get("prompt_tokens").asLong() - cached;
                tokens[1] += cached;
                tokens[2] += usage.get("completion_tokens").asLong();
                cost = cost.add(deepSeekCost(usage));
            } else {
                assertThat(response.statusCode()).as(response.body()).isEqualTo(402);
                assertThat(response.body()).contains(budgetId);
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100)) // settlements do not hold up the answers
                .until(() -> JSON.readTree(send("GET", "/api/v1/budgets/" + budgetId, key, null)
                                        .body())
                                .get("reserved")
                                .decimalValue()
                                .signum()
                        == 0);
        JsonNode budget = JSON.readTree(
                send("GET", "/api/v1/budgets/" + budgetId, key, null).body());
        assertThat(served).isBetween(1, 50);
        assertThat(budget.get("spent").decimalValue())
                .isEqualByComparingTo(cost)
                .isLessThanOrEqualTo(new java.math.BigDecimal("0.55"));
        assertThat(budget.get("reserved").decimalValue()).isEqualByComparingTo("0");

        java.math.BigDecimal factor =
                inOffPeak(Instant.now()) ? new java.math.BigDecimal("0.5") : java.math.BigDecimal.ONE;
        java.math.BigDecimal expected = cents(tokens[0], "0.27", factor)
                .add(cents(tokens[1], "0.07", factor))
                .add(cents(tokens[2], "1.10", factor));
        long outputTokens = tokens[2];
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode spend = JSON.readTree(send("GET", "/api/v1/spend?from=" + since, key, null)
                            .body());
                    assertThat(spend.get("unpriced")).as(spend.toString()).isEmpty();
                    assertThat(spend.get("lines").toString()).contains("\"tokens\":" + outputTokens);
                    assertThat(spend.get("currency").asString()).isEqualTo("USD");
                    // the ledger prices at the dearest rates, exactly; the spend rounds each line once, by at most half
                    // a cent
                    java.math.BigDecimal rounding = new java.math.BigDecimal("0.005")
                            .multiply(java.math.BigDecimal.valueOf(
                                    spend.get("lines").size()));
                    assertThat(spend.get("total").decimalValue())
                            .isEqualByComparingTo(expected)
                            .isLessThanOrEqualTo(
                                    budget.get("spent").decimalValue().add(rounding));
                });
        // per hour, the same usage unrounded: exactly the tokens at the rates, off-peak discount included
        java.math.BigDecimal exact = java.math.BigDecimal.valueOf(tokens[0])
                .multiply(new java.math.BigDecimal("0.27"))
                .add(java.math.BigDecimal.valueOf(tokens[1]).multiply(new java.math.BigDecimal("0.07")))
                .add(java.math.BigDecimal.valueOf(tokens[2]).multiply(new java.math.BigDecimal("1.10")))
                .multiply(factor)
                .movePointLeft(6);
        String series = "/api/v1/spend/series?granularity=hour&from=" + since + "&to="
                + Instant.now().plusSeconds(1);
        HttpResponse<String> perHour = send("GET", series, key, null);
        assertThat(perHour.statusCode()).as(perHour.body()).isEqualTo(200);
        JsonNode hours = DECIMALS.readTree(perHour.body());
        assertThat(hours.get("currency").asString()).isEqualTo("USD");
        assertThat(hours.get("total").decimalValue()).isEqualByComparingTo(exact);
        java.math.BigDecimal summed = java.math.BigDecimal.ZERO;
        for (JsonNode hour : hours.get("periods")) {
            summed = summed.add(hour.get("total").decimalValue());
        }
        assertThat(summed).isEqualByComparingTo(exact);
        HttpResponse<String> badGrain = send("GET", series.replace("=hour", "=minute"), key, null);
        assertThat(badGrain.statusCode()).as(badGrain.body()).isEqualTo(400);
        assertThat(badGrain.body()).contains("granularity");
        assertThat(send("GET", series + "&tenant_id=" + stack.demo("TENANT_ID"), key, null)
                        .statusCode())
                .as("another tenant's series")
                .isEqualTo(403);
        assertThat(send("GET", "/api/v1/spend?tenant_id=" + stack.demo("TENANT_ID"), key, null)
                        .statusCode())
                .isEqualTo(403);
    }

    /**
     * A second gateway holds a lease on a budget, serves calls under it and is killed with SIGKILL before it reports
     * any of them (it renews only every 60 s). Its spend is booked from its calls' usage events, and its unspent slice
     * comes back when the lease expires: spent equals exactly what the served calls cost at the rate card's rates,
     * and nothing stays held.
     */
    @Test
    void aGatewayKilledHoldingABudgetLeaseLosesNoSpendAndItsSliceComesBack() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        Budgeted crashed = budgetedTenant(admin, "Crash Co", "1.00");
        String key = crashed.key();
        String budgetId = crashed.budgetId();

        String second = stack.startInstance(
                "api-gateway",
                "api-gateway-2",
                Map.of(
                        "TOKENMETER_GATEWAY_BUDGETS_LEASE_TTL", "3s",
                        "TOKENMETER_GATEWAY_BUDGETS_RENEW_EVERY", "60s"));
        BigDecimal cost = BigDecimal.ZERO;
        try {
            for (int i = 0; i < 5; i++) { // 1,000 output tokens each: about 0.0011 USD
                HttpResponse<String> response = LocalServer.at(second).post("/v1/chat/completions", key, """
                        {"model":"deepseek-v3.2","max_tokens":1000,"messages":[{"role":"user","content":"hello"}]}""");
                assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
                cost = cost.add(deepSeekCost(JSON.readTree(response.body()).get("usage")));
            }
            JsonNode held = JSON.readTree(
                    send("GET", "/api/v1/budgets/" + budgetId, key, null).body());
            assertThat(held.get("reserved").decimalValue())
                    .as("the second gateway's lease holds a slice")
                    .isPositive();
            sleep(1000); // the last calls' usage events leave the producer (a crash within its linger loses them)
        } finally {
            stack.kill("api-gateway-2");
            stack.stop("api-gateway-2");
        }
        BigDecimal served = cost;
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode budget = JSON.readTree(send("GET", "/api/v1/budgets/" + budgetId, key, null)
                            .body());
                    assertThat(budget.get("reserved").decimalValue())
                            .as("the dead gateway's slice is free again")
                            .isZero();
                    assertThat(budget.get("spent").decimalValue())
                            .as("what its served calls cost, from their usage events")
                            .isEqualByComparingTo(served);
                });
    }

    /**
     * The costs the answers showed add up to the invoice of their period: within half a cent per invoice line (the
     * invoice rounds each line; a call's cost is unrounded), with flat rates, where no tier can make them differ.
     */
    @Test
    void theCostsTheAnswersShowedAddUpToTheInvoiceWithinItsRounding() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String tenant = tenant(
                admin,
                "{\"name\":\"Shown Co\",\"legal_name\":\"Shown Co GmbH\",\"billing_country\":\"DE\","
                        + "\"currency\":\"EUR\",\"tax_id\":\"DE999999998\"}");
        Shown shown = callsAndTheirInvoice(tenant, Instant.now());
        // about 1.3 EUR at the demo's list price, half that in its off-peak window (16:30 to 00:30 UTC)
        assertThat(shown.costs().divide(shown.priceFactor()))
                .as("a sum large enough to mean something, at list price")
                .isGreaterThan(BigDecimal.ONE);
        assertThat(shown.subtotal().subtract(shown.costs()).abs())
                .as("invoice %s against the answers' %s", shown.subtotal(), shown.costs())
                .isLessThanOrEqualTo(shown.rounding());
    }

    /**
     * Across a graduated tier's boundary the answers showed the first tier's rate, as documented: the invoice is lower
     * by the tier's discount on the tokens past the boundary, and by nothing else beyond its rounding.
     */
    @Test
    void pastATiersBoundaryTheInvoiceIsLowerByTheDocumentedDiscount() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String tenant = tenant(
                admin,
                "{\"name\":\"Tier Co\",\"legal_name\":\"Tier Co GmbH\",\"billing_country\":\"DE\","
                        + "\"currency\":\"EUR\",\"tax_id\":\"DE999999997\"}");
        String bookId = usdSellBook(admin, "Tier Co contract");
        Instant effective = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        version(admin, bookId, effective, """
                [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","mode":"graduated",
                   "tiers":[{"from_tokens":0,"rate_per_million":"1.10"},{"from_tokens":1000000,"rate_per_million":"0.55"}]},
                  {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","rate_per_million":"0.27"}]""");
        contract(admin, tenant, bookId, effective);

        Shown shown = callsAndTheirInvoice(tenant, effective);
        long past = shown.outputTokens() - 1_000_000;
        assertThat(past).as("the calls crossed the boundary").isPositive();
        BigDecimal usdToEur = BigDecimal.ONE.divide(new BigDecimal("1.08"), java.math.MathContext.DECIMAL128);
        BigDecimal discount = new BigDecimal("0.55") // 1.10 - 0.55 USD per million past the boundary
                .multiply(BigDecimal.valueOf(past))
                .movePointLeft(6)
                .multiply(usdToEur);
        assertThat(shown.costs().subtract(shown.subtotal()).subtract(discount).abs())
                .as("answers %s, invoice %s, documented discount %s", shown.costs(), shown.subtotal(), discount)
                .isLessThanOrEqualTo(shown.rounding());
    }

    /**
     * A version that takes effect inside a half-hour bucket prices the usage after it, from its first second: the run
     * asks pricing for the tenant's price edges and metering cuts the buckets there. Before, the whole bucket was
     * priced by the version in force at its start (a fresh stack's first calls were "unpriced" until the next half
     * hour).
     */
    @Test
    void aVersionThatTakesEffectInsideABucketPricesTheUsageAfterIt() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String finance = stack.demo("FINANCE_API_KEY");
        String tenant = tenant(
                admin,
                "{\"name\":\"Edge Co\",\"legal_name\":\"Edge Co Pte. Ltd.\",\"billing_country\":\"SG\","
                        + "\"currency\":\"USD\"}");
        String bookId = usdSellBook(admin, "Edge Co contract");
        Instant first = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        if (first.getEpochSecond() % 1800 > 1790) { // both versions in one half hour: start in the next one
            first = first.plusSeconds(1800 - first.getEpochSecond() % 1800);
        }
        Instant change = first.plusMillis(3_250); // inside first's half hour, off every whole second
        String rates = """
                [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","rate_per_million":"%s"}]""";
        version(admin, bookId, first, rates.formatted("1.10"));
        version(admin, bookId, change, rates.formatted("2.20"));
        contract(admin, tenant, bookId, first);

        Instant to = change.plusSeconds(3);
        Instant after = change;
        await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(after));
        ingest(admin, tenant, "deepseek-v3.2", first.plusMillis(500), 0, 0, 1_000_000);
        ingest(admin, tenant, "deepseek-v3.2", change.minusMillis(1), 0, 0, 2_000_000);
        ingest(admin, tenant, "deepseek-v3.2", change, 0, 0, 3_000_000); // the version's first instant
        awaitClosed(to);
        JsonNode invoice = invoiceOf(finance, run(finance, first, to), tenant);

        assertThat(invoice.get("lines"))
                .extracting(l -> l.get("tokens").asLong() + "@"
                        + l.get("unit_rate_per_million")
                                .decimalValue()
                                .stripTrailingZeros()
                                .toPlainString() + "->" + plain(l.get("amount").decimalValue()))
                .as("the half hour of %s is cut at %s", first, change)
                .containsExactlyInAnyOrder("3000000@1.1->3.3", "3000000@2.2->6.6");
    }

    /**
     * The token-trade statement of a period with buyers in three countries (Singapore: domestic, the United States:
     * zero-rated export, Germany: EU reverse charge), two serving regions, USD and EUR sales and the demo's CNY cost
     * book, reported in CNY: every figure equals the hand-computed one to the fen. One buyer's later usage is not
     * invoiced yet and shows in its own columns.
     */
    @Test
    void theTokenTradeStatementAddsUpSalesCostsAndMarginsPerCountryAndRegion() throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String finance = stack.demo("FINANCE_API_KEY");
        String sg = tenant(
                admin,
                "{\"name\":\"Lion\",\"legal_name\":\"Lion Pte. Ltd.\",\"billing_country\":\"SG\",\"currency\":\"USD\"}");
        String us = tenant(
                admin,
                "{\"name\":\"Eagle\",\"legal_name\":\"Eagle Inc.\",\"billing_country\":\"US\",\"currency\":\"USD\"}");
        String de = tenant(
                admin,
                "{\"name\":\"Adler\",\"legal_name\":\"Adler GmbH\",\"billing_country\":\"DE\",\"currency\":\"EUR\","
                        + "\"tax_id\":\"DE999999996\"}");
        Instant from = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        while (crossesOffPeakEdge(from, from.plusSeconds(12))) {
            sleep(1000);
            from = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        }
        Instant to = from.plusSeconds(6); // the invoiced period
        Instant end = from.plusSeconds(12); // the statement's: six seconds more, not invoiced
        Instant start = from;
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(start.plusSeconds(3)));
        ingestIn(admin, sg, "deepseek-v3.2", "cn-hangzhou", from.plusSeconds(1), 1_000_000, 0, 2_000_000);
        ingestIn(admin, us, "deepseek-v3.2", "cn-hangzhou", from.plusSeconds(1), 0, 0, 3_000_000);
        ingestIn(admin, us, "glm-5", "cn-beijing", from.plusSeconds(2), 2_000_000, 0, 0);
        ingestIn(admin, de, "glm-5", "cn-beijing", from.plusSeconds(2), 0, 0, 1_000_000);
        awaitClosed(to);
        String run = run(finance, from, to);
        for (String tenant : List.of(sg, us, de)) {
            String id = invoiceOf(finance, run, tenant).get("id").asString();
            HttpResponse<String> issued = send("POST", "/api/v1/billing/invoices/" + id + "/issue", finance, null);
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
        }
        ingestIn(admin, sg, "glm-5", "cn-beijing", to.plusSeconds(1), 0, 0, 500_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(end));

        // illustrative energy intensities: Wh per 1,000 input and output tokens, and the data centre's PUE
        for (String[] e : List.of(
                new String[] {"deepseek-v3.2/cn-hangzhou", "0.02", "0.3", "1.2"},
                new String[] {"glm-5/cn-beijing", "0.05", "0.6", "1.3"})) {
            HttpResponse<String> set = send(
                    "PUT",
                    "/api/v1/reports/energy-intensities/" + e[0],
                    admin,
                    "{\"wh_per_1k_input\":" + e[1] + ",\"wh_per_1k_output\":" + e[2] + ",\"pue\":" + e[3]
                            + ",\"source\":\"e2e, illustrative\"}");
            assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
        }
        HttpResponse<String> badPue = send(
                "PUT",
                "/api/v1/reports/energy-intensities/glm-5/cn-beijing",
                admin,
                "{\"wh_per_1k_input\":1,\"wh_per_1k_output\":1,\"pue\":0.5,\"source\":\"x\"}");
        assertThat(badPue.statusCode()).as(badPue.body()).isEqualTo(400);
        assertThat(badPue.body()).contains("/pue");
        assertThat(send("PUT", "/api/v1/reports/energy-intensities/glm-5/cn-beijing", finance, "{}")
                        .statusCode())
                .isEqualTo(403);

        String query = "/api/v1/reports/token-trade?from=" + from + "&to=" + end + "&currency=CNY";
        HttpResponse<String> answer = send("GET", query, finance, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode statement = DECIMALS.readTree(answer.body());

        // by hand: demo list prices in USD (off-peak half price), each invoice line rounded to the cent, half to even;
        // 1 EUR = 1.08 USD = 7.80 CNY; the CNY cost book: DeepSeek V3.2 1.60 in, 6.40 out; GLM-5 5.60 in, 18.00 out
        BigDecimal f = inOffPeak(from) ? new BigDecimal("0.5") : BigDecimal.ONE;
        java.util.function.Function<String, BigDecimal> usd =
                v -> new BigDecimal(v).multiply(f).setScale(2, java.math.RoundingMode.HALF_EVEN);
        BigDecimal usdCny = new BigDecimal("7.80").divide(new BigDecimal("1.08"), java.math.MathContext.DECIMAL128);
        java.util.function.Function<BigDecimal, BigDecimal> cny = v -> v.setScale(2, java.math.RoundingMode.HALF_EVEN);
        BigDecimal sgUsd = usd.apply("0.27").add(usd.apply("2.20")); // 1M in, 2M out
        BigDecimal usDeepseekUsd = usd.apply("3.30"); // 3M out
        BigDecimal usGlmUsd = usd.apply("2.00"); // 2M in
        BigDecimal deEur = new BigDecimal("3.20") // 1M out, in USD, to EUR at 1/1.08
                .multiply(f)
                .divide(new BigDecimal("1.08"), java.math.MathContext.DECIMAL128)
                .setScale(2, java.math.RoundingMode.HALF_EVEN);
        BigDecimal sgLaterUsd = usd.apply("1.60"); // 0.5M out, not invoiced
        String month = java.time.YearMonth.from(from.atOffset(java.time.ZoneOffset.UTC))
                .toString();
        List<String> expected = List.of(
                row(
                        month,
                        "DE",
                        "cn-beijing",
                        "glm-5",
                        "EUR",
                        "reverse_charge",
                        figures(0, 1_000_000, deEur, cny.apply(deEur.multiply(new BigDecimal("7.80"))), "18.00"),
                        null),
                row(
                        month,
                        "SG",
                        "cn-beijing",
                        "glm-5",
                        "USD",
                        "domestic",
                        null,
                        figures(0, 500_000, sgLaterUsd, cny.apply(sgLaterUsd.multiply(usdCny)), "9.00")),
                row(
                        month,
                        "SG",
                        "cn-hangzhou",
                        "deepseek-v3.2",
                        "USD",
                        "domestic",
                        figures(1_000_000, 2_000_000, sgUsd, cny.apply(sgUsd.multiply(usdCny)), "14.40"),
                        null),
                row(
                        month,
                        "US",
                        "cn-beijing",
                        "glm-5",
                        "USD",
                        "zero_rated_export",
                        figures(2_000_000, 0, usGlmUsd, cny.apply(usGlmUsd.multiply(usdCny)), "11.20"),
                        null),
                row(
                        month,
                        "US",
                        "cn-hangzhou",
                        "deepseek-v3.2",
                        "USD",
                        "zero_rated_export",
                        figures(0, 3_000_000, usDeepseekUsd, cny.apply(usDeepseekUsd.multiply(usdCny)), "19.20"),
                        null));
        List<String> actual = new java.util.ArrayList<>();
        for (JsonNode r : statement.get("rows")) {
            actual.add(row(
                    r.get("month").asString(),
                    r.get("buyer_country").asString(),
                    r.get("serving_region").asString(),
                    r.get("model").asString(),
                    r.get("invoice_currency").asString(),
                    r.get("tax_treatment").asString(),
                    shown(r.get("invoiced")),
                    shown(r.get("not_invoiced"))));
        }
        assertThat(actual).as(answer.body()).containsExactlyElementsOf(expected);
        assertThat(statement.get("unpriced")).as(answer.body()).isEmpty();

        // energy, an estimate: tokens sold abroad only (Singapore's are domestic). US DeepSeek 3M out: 900 Wh x 1.2;
        // US GLM 2M in: 100 Wh x 1.3; German GLM 1M out: 600 Wh x 1.3; in all 1,080 + 130 + 780 Wh
        assertThat(statement
                        .get("rows")
                        .get(0)
                        .get("invoiced")
                        .get("energy_kwh_estimate")
                        .decimalValue())
                .isEqualByComparingTo("0.780");
        JsonNode energy = statement.get("exported_energy");
        assertThat(energy.get("invoiced_kwh").decimalValue()).isEqualByComparingTo("1.990");
        assertThat(energy.get("not_invoiced_kwh").decimalValue()).isEqualByComparingTo("0");
        assertThat(energy.get("without")).isEmpty();
        assertThat(energy.get("note").asString()).startsWith("ESTIMATE");

        // totals: Germany's invoiced margin, and the Beijing region's, in CNY
        BigDecimal deMargin = cny.apply(deEur.multiply(new BigDecimal("7.80"))).subtract(new BigDecimal("18.00"));
        JsonNode germany = statement.get("by_buyer_country").get(0);
        assertThat(germany.get("key").asString()).isEqualTo("DE");
        assertThat(germany.get("invoiced").get("gross_margin").decimalValue()).isEqualByComparingTo(deMargin);
        JsonNode beijing = statement.get("by_serving_region").get(0);
        assertThat(beijing.get("key").asString()).isEqualTo("cn-beijing");
        assertThat(beijing.get("invoiced").get("cost_reporting").decimalValue())
                .isEqualByComparingTo("29.20"); // 18.00 + 11.20
        assertThat(beijing.get("not_invoiced").get("cost_reporting").decimalValue())
                .isEqualByComparingTo("9.00");

        HttpResponse<String> csv = send("GET", query + "&format=csv", finance, null);
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        List<String> csvLines = csv.body().lines().toList();
        assertThat(csvLines).hasSize(1 + expected.size());
        assertThat(csvLines.get(0))
                .startsWith("month,buyer_country,serving_region,model,invoice_currency,tax_treatment");
        assertThat(csvLines.get(1)).startsWith(month + ",DE,cn-beijing,glm-5,EUR,reverse_charge,CNY,0,0,0,1000000,");
        HttpResponse<byte[]> pdf = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + query + "&format=pdf"))
                        .header("Authorization", "Bearer " + finance)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(pdf.statusCode()).isEqualTo(200);
        assertThat(new String(pdf.body(), 0, 5, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("%PDF-");
        assertThat(send("GET", query, stack.demo("TENANT_API_KEY"), null).statusCode())
                .isEqualTo(403);
    }

    private static String row(
            String month,
            String country,
            String region,
            String model,
            String currency,
            String treatment,
            String invoiced,
            String notInvoiced) {
        return String.join(" | ", month, country, region, model, currency, treatment, invoiced, notInvoiced);
    }

    /** Tokens in and out, revenue, revenue in CNY, cost in CNY and the margin, as the statement should show them. */
    private static String figures(long input, long output, BigDecimal revenue, BigDecimal revenueCny, String costCny) {
        BigDecimal cost = new BigDecimal(costCny);
        return input + "/" + output + " " + plain(revenue) + " = " + plain(revenueCny) + " CNY - " + plain(cost) + " = "
                + plain(revenueCny.subtract(cost));
    }

    private static String shown(JsonNode f) {
        if (f == null || f.isNull()) {
            return null;
        }
        return figures(
                        f.get("tokens").get("input").asLong(),
                        f.get("tokens").get("output").asLong(),
                        f.get("revenue").decimalValue(),
                        f.get("revenue_reporting").decimalValue(),
                        f.get("cost_reporting").decimalValue().toPlainString())
                + (f.get("gross_margin")
                                        .decimalValue()
                                        .compareTo(f.get("revenue_reporting")
                                                .decimalValue()
                                                .subtract(
                                                        f.get("cost_reporting").decimalValue()))
                                == 0
                        ? ""
                        : " (margin shown " + f.get("gross_margin").decimalValue() + ")");
    }

    /**
     * What the answers of a period showed, what its invoice says, the invoice's rounding bound, and the demo book's
     * price factor in that period (0.5 in its off-peak window).
     */
    private record Shown(
            BigDecimal costs, long outputTokens, BigDecimal subtotal, BigDecimal rounding, BigDecimal priceFactor) {}

    /**
     * Four calls of about 0.3 EUR each (40 choices of 8,192 tokens) in a period of their own that starts after
     * {@code notBefore}, then that period's invoice run.
     */
    private static Shown callsAndTheirInvoice(String tenant, Instant notBefore) throws Exception {
        String admin = stack.demo("ADMIN_API_KEY");
        String finance = stack.demo("FINANCE_API_KEY");
        HttpResponse<String> issued =
                send("POST", "/api/v1/admin/tenants/" + tenant + "/api-keys", admin, "{\"name\":\"agent\"}");
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        String key = JSON.readTree(issued.body()).get("key").asString();
        Instant from = later(notBefore, Instant.now()).plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        while (crossesOffPeakEdge(from, from.plusSeconds(20))) { // a bucket across the window's edge is refused
            sleep(1000);
            from = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        }
        Instant to = from.plusSeconds(20);
        Instant start = from;
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(start));
        BigDecimal costs = BigDecimal.ZERO;
        long output = 0;
        for (int call = 0; call < 4; call++) {
            HttpResponse<String> response = send("POST", "/v1/chat/completions", key, """
                    {"model":"deepseek-v3.2","max_tokens":8192,"n":40,
                     "messages":[{"role":"user","content":"count the cost of call %d"}]}""".formatted(call));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode usage = DECIMALS.readTree(response.body()).get("usage");
            assertThat(usage.get("cost_details").get("currency").asString()).isEqualTo("EUR");
            costs = costs.add(usage.get("cost").decimalValue());
            output += usage.get("completion_tokens").asLong();
        }
        assertThat(Instant.now()).as("every call inside the period").isBefore(to);
        awaitClosed(to);
        JsonNode invoice = invoiceOf(finance, run(finance, from, to), tenant);
        return new Shown(
                costs,
                output,
                invoice.get("subtotal").decimalValue(),
                new BigDecimal("0.005")
                        .multiply(BigDecimal.valueOf(invoice.get("lines").size())),
                inOffPeak(from) ? new BigDecimal("0.5") : BigDecimal.ONE);
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** A new USD tenant with a key and a monthly tenant budget of {@code amount}. */
    private record Budgeted(String key, String budgetId) {}

    private static Budgeted budgetedTenant(String admin, String name, String amount) throws Exception {
        String tenant = tenant(admin, "{\"name\":\"" + name + "\",\"billing_country\":\"SG\",\"currency\":\"USD\"}");
        HttpResponse<String> issued =
                send("POST", "/api/v1/admin/tenants/" + tenant + "/api-keys", admin, "{\"name\":\"agent\"}");
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        HttpResponse<String> created = send(
                "POST",
                "/api/v1/budgets",
                admin,
                "{\"tenant_id\":\"" + tenant + "\",\"kind\":\"monthly\",\"amount\":" + amount + "}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return new Budgeted(
                JSON.readTree(issued.body()).get("key").asString(),
                JSON.readTree(created.body()).get("id").asString());
    }

    /**
     * What a DeepSeek V3.2 answer's usage costs at the demo's USD rate card (input 0.27, cached 0.07, output 1.10 per
     * 1M), exactly: what a budget is charged for it.
     */
    private static BigDecimal deepSeekCost(JsonNode usage) {
        long cached = usage.path("prompt_cache_hit_tokens").asLong(0);
        return BigDecimal.valueOf(usage.get("prompt_tokens").asLong() - cached)
                .multiply(new BigDecimal("0.27"))
                .add(BigDecimal.valueOf(cached).multiply(new BigDecimal("0.07")))
                .add(BigDecimal.valueOf(usage.get("completion_tokens").asLong()).multiply(new BigDecimal("1.10")))
                .movePointLeft(6);
    }

    private static java.math.BigDecimal cents(long tokens, String rate, java.math.BigDecimal factor) {
        return java.math.BigDecimal.valueOf(tokens)
                .multiply(new java.math.BigDecimal(rate))
                .multiply(factor)
                .movePointLeft(6)
                .setScale(2, java.math.RoundingMode.HALF_EVEN);
    }

    private static String tenant(String admin, String body) throws Exception {
        HttpResponse<String> created = send("POST", "/api/v1/admin/tenants", admin, body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = JSON.readTree(created.body()).get("id").asString();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> send("GET", "/api/v1/billing/profiles/" + id, admin, null)
                                .statusCode()
                        == 200);
        return id;
    }

    private static void ingest(
            String admin, String tenant, String model, Instant at, long input, long cached, long output)
            throws Exception {
        ingestIn(admin, tenant, model, "cn-hangzhou", at, input, cached, output);
    }

    private static void ingestIn(
            String admin, String tenant, String model, String region, Instant at, long input, long cached, long output)
            throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/api/v1/events"))
                        .header("Authorization", "Bearer " + admin)
                        .header("Content-Type", "application/cloudevents+json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                """
                        {"specversion":"1.0","id":"%s","source":"//e2e","type":"tokenmeter.usage.v1","subject":"%s","time":"%s",
                         "data":{"model":"%s","provider":"deepseek","region":"%s","input_tokens":%d,"cached_input_tokens":%d,
                                 "output_tokens":%d}}""".formatted(EventIds.newEventId(), tenant, at, model, region, input, cached, output)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(JSON.readTree(r.body()).get("accepted").asInt()).as(r.body()).isEqualTo(1);
    }

    /**
     * Moves metering's committed offsets back by up to {@code events} per partition, once its dead members are gone.
     */
    private static void rewindMeteringOffsets(long events) throws Exception {
        Map<String, Object> client = new java.util.HashMap<>(stack.kafkaClient());
        client.put("bootstrap.servers", stack.kafkaBootstrapServers());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(client)) {
            admin.removeMembersFromConsumerGroup(
                            "metering-service",
                            new org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions())
                    .all()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> committed =
                    admin.listConsumerGroupOffsets("metering-service")
                            .partitionsToOffsetAndMetadata()
                            .get(30, java.util.concurrent.TimeUnit.SECONDS);
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> rewound =
                    new java.util.HashMap<>();
            committed.forEach((partition, offset) -> {
                if (partition.topic().equals(UsageTopics.USAGE_EVENTS) && offset != null) {
                    rewound.put(
                            partition,
                            new org.apache.kafka.clients.consumer.OffsetAndMetadata(
                                    Math.max(0, offset.offset() - events)));
                }
            });
            admin.alterConsumerGroupOffsets("metering-service", rewound)
                    .all()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** A counter of the running metering-service, from its own actuator. */
    /** A producer of usage events straight to the stack's broker, as the gateway's: all acks, idempotent. */
    private static KafkaProducer<String, byte[]> usageProducer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                stack.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
    }

    private static double meteringCounter(String outcome) throws Exception {
        return meteringCounter("metering-service", outcome);
    }

    private static double meteringCounter(String instance, String outcome) throws Exception {
        String metrics = HTTP.send(
                        HttpRequest.newBuilder(URI.create(stack.serviceUrl(instance) + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return metrics.lines()
                .filter(l ->
                        l.startsWith("tokenmeter_metering_events_total{") && l.contains("outcome=\"" + outcome + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    private static long requests(String tenant) throws Exception {
        JsonNode data = usage(stack.demo("FINANCE_API_KEY"), "granularity=month", "&tenant_id=" + tenant)
                .get("data");
        return data.isEmpty() ? 0 : data.get(0).get("requests").asLong();
    }

    private static JsonNode usage(String key, String query, String extra) throws Exception {
        HttpResponse<String> response = send("GET", "/api/v1/usage?" + query + extra, key, null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private static HttpResponse<String> send(String method, String path, String key, String body) throws Exception {
        return LocalServer.at(stack.gatewayUrl()).withKey(method, path, key, body);
    }

    /** A USD sell book of a test's own, for a contract. */
    private static String usdSellBook(String admin, String name) throws Exception {
        HttpResponse<String> book = send(
                "POST",
                "/api/v1/pricing/books",
                admin,
                "{\"name\":\"" + name + "\",\"currency\":\"USD\",\"purpose\":\"sell\"}");
        assertThat(book.statusCode()).as(book.body()).isEqualTo(201);
        return JSON.readTree(book.body()).get("id").asString();
    }

    private static void version(String admin, String bookId, Instant effective, String rates) throws Exception {
        HttpResponse<String> version = send(
                "POST",
                "/api/v1/pricing/books/" + bookId + "/versions",
                admin,
                "{\"effective_from\":\"" + effective + "\",\"rates\":" + rates + "}");
        assertThat(version.statusCode()).as(version.body()).isEqualTo(201);
    }

    /** The tenant's prices come from the book from {@code validFrom} on. */
    private static void contract(String admin, String tenant, String bookId, Instant validFrom) throws Exception {
        HttpResponse<String> contract = send(
                "POST",
                "/api/v1/pricing/contracts",
                admin,
                "{\"tenant_id\":\"" + tenant + "\",\"price_book_id\":\"" + bookId + "\",\"valid_from\":\"" + validFrom
                        + "\"}");
        assertThat(contract.statusCode()).as(contract.body()).isEqualTo(201);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
