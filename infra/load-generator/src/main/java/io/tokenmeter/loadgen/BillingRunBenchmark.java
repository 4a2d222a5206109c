package io.tokenmeter.loadgen;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.json.WireJson;
import io.tokenmeter.contracts.rating.RatingApi;
import io.tokenmeter.contracts.rating.TokenClass;
import io.tokenmeter.contracts.tenants.TenantProfileChanged;
import io.tokenmeter.contracts.usage.BillableUsage;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.localstack.LocalStack;
import io.tokenmeter.localstack.StackConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * An invoice run at scale: N tenants (default 10,000) with 21 priced lines each (the demo list prices: 8 models
 * and regions, their input, cached or cache-write and output classes). Starts the platform, publishes the
 * tenants' profiles on tenants.v1 and their usage on usage-events.v1, waits until metering has it, runs billing
 * for the period and measures until the last tenant is drafted: wall time, invoices/s, the CPU each service spent
 * and billing's peak memory. Baseline, in the same run: the same remote work without billing, on billing's own path
 * — the benchmark asks metering for each tenant's billable usage and pricing for its quote, straight to the services
 * and signed as billing signs (not through the gateway), reading and writing the same contract records, with the same
 * parallelism.
 * Run: {@code ./infra/bench-billing [tenants]}.
 */
public final class BillingRunBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
    private static final String[][]
            USAGE = { // model, region, provider, then which of input/cached/cache-write/output it uses
        {"deepseek-v3.2", "cn-hangzhou", "deepseek", "icO"}, {"deepseek-r1", "cn-hangzhou", "deepseek", "icO"},
        {"glm-5", "cn-beijing", "zhipu", "icO"}, {"kimi-k2", "cn-beijing", "moonshot", "icO"},
        {"qwen3-max", "cn-hangzhou", "alibaba", "iO"}, {"minimax-m2.5", "sg", "minimax", "iO"},
        {"gpt-5", "us", "openai", "iO"}, {"claude-opus-4.5", "us", "anthropic", "iwO"}
    };
    private static final int PARALLELISM = 8;

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        int tenants = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        Path state = Files.createTempDirectory("tokenmeter-bench-billing");
        try (LocalStack stack = LocalStack.start(new StackConfig(home, state, StackConfig.Ports.free(), null, null))) {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(stack::close)); // Ctrl-C must not leave the platform running
            String gateway = stack.gatewayUrl();
            String finance = stack.demo("FINANCE_API_KEY");
            Thread.sleep(3_000); // the demo prices take effect 2 s after they were loaded
            Instant from = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
            Instant to = from.plusSeconds(60);
            while (crossesOffPeakEdge(
                    from, to)) { // the demo book's 16:30-00:30 window: a bucket across its edge is refused
                Thread.sleep(10_000);
                from = Instant.now().plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
                to = from.plusSeconds(60);
            }
            long events = publish(stack.kafkaBootstrapServers(), stack.kafkaClient(), tenants, from);
            System.out.printf(
                    "%npublished %,d tenant profiles and %,d usage events; waiting for metering and billing to have them%n",
                    tenants, events);
            awaitMetered(gateway, finance, "t-" + (tenants - 1), from, to);
            awaitProfile(gateway, finance, "t-" + (tenants - 1));
            Instant end = to;
            while (Instant.now().isBefore(end.plusSeconds(3))) {
                Thread.sleep(200);
            }

            Map<String, Long> cpuBefore = cpu(stack);
            long started = System.nanoTime();
            HttpResponse<String> run = send(
                    "POST",
                    gateway + "/api/v1/billing/runs",
                    finance,
                    "{\"from\":\"" + from + "\",\"to\":\"" + to + "\"}");
            if (run.statusCode() != 202) {
                throw new IllegalStateException("run refused: " + run.statusCode() + " " + run.body());
            }
            String runId = JSON.readTree(run.body()).get("id").asString();
            JsonNode progress;
            do {
                Thread.sleep(250);
                progress = JSON.readTree(send("GET", gateway + "/api/v1/billing/runs/" + runId, finance, null)
                        .body());
            } while (progress.get("pending").asInt() > 0);
            double runSeconds = (System.nanoTime() - started) / 1e9;
            Map<String, Long> cpuAfter = cpu(stack);

            // baseline: the remote work alone, from here, on billing's path and with the same parallelism
            Services services = new Services(
                    stack.serviceUrl("metering-service"),
                    stack.serviceUrl("pricing-service"),
                    new CallerHeaders(
                            "billing",
                            CallerHeaders.privateKey(stack.demo("TOKENMETER_BILLING_PRIVATE_KEY")),
                            Map.of(),
                            Clock.systemUTC()));
            long baselineStarted = System.nanoTime();
            Semaphore slots = new Semaphore(PARALLELISM);
            Instant cutoff = Instant.parse(progress.get("cutoff").asString());
            Instant f = from;
            Instant t = to;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < tenants; i++) {
                    String tenant = "t-" + i;
                    slots.acquireUninterruptibly();
                    pool.execute(() -> {
                        try {
                            baseline(services, tenant, f, t, cutoff);
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        } finally {
                            slots.release();
                        }
                    });
                }
            }
            double baselineSeconds = (System.nanoTime() - baselineStarted) / 1e9;

            int invoiced = progress.get("invoiced").asInt();
            System.out.println();
            System.out.printf(
                    "== invoice run: %,d tenants x 21 lines, parallelism %d, 2 cores shared by everything ==%n",
                    tenants, PARALLELISM);
            System.out.printf(
                    "run wall time                         %8.1f s   (%,d invoiced, %d failed)%n",
                    runSeconds, invoiced, progress.get("failed").asInt());
            System.out.printf("invoices/s                            %8.0f%n", invoiced / runSeconds);
            System.out.printf(
                    "baseline: usage + quote per tenant    %8.1f s   (the same calls, straight and signed as billing)%n",
                    baselineSeconds);
            System.out.printf("ratio run / baseline                  %8.2f%n", runSeconds / baselineSeconds);
            long total = cpuAfter.keySet().stream()
                    .mapToLong(k -> cpuAfter.get(k) - cpuBefore.getOrDefault(k, 0L))
                    .sum();
            for (String service : cpuAfter.keySet()) {
                long used = cpuAfter.get(service) - cpuBefore.getOrDefault(service, 0L);
                System.out.printf(
                        "CPU during the run: %-17s %8.1f s   (%.0f %% of the services' CPU)%n",
                        service, used / 1e9, 100.0 * used / Math.max(1, total));
            }
            System.out.printf(
                    "billing-service peak resident memory  %8.0f MiB%n",
                    stack.peakResidentBytes("billing-service").orElse(0L) / 1024.0 / 1024.0);
            if (progress.get("failed").asInt() > 0) {
                System.out.println("failures: " + progress.get("failures"));
            }
        }
    }

    /** Metering and pricing as billing reaches them: straight, signed as billing. */
    private record Services(String metering, String pricing, CallerHeaders callers) {
        private static final Caller BILLING = new Caller("service:billing-runs", Role.FINANCE, null);

        HttpResponse<byte[]> send(String method, String base, String pathAndQuery, byte[] body) throws Exception {
            URI uri = URI.create(base + pathAndQuery);
            CallerHeaders.Signed signed = callers.sign(BILLING, method, uri.getRawPath(), body);
            return HTTP.send(
                    HttpRequest.newBuilder(uri)
                            .header(CallerHeaders.CALLER, signed.caller())
                            .header(CallerHeaders.SIGNATURE, signed.signature())
                            .header("Content-Type", "application/json")
                            .method(
                                    method,
                                    body == null
                                            ? HttpRequest.BodyPublishers.noBody()
                                            : HttpRequest.BodyPublishers.ofByteArray(body))
                            .build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        }
    }

    /**
     * What billing does for a tenant before its transaction: ask pricing where the tenant's price changes, read its
     * billable usage cut there, have it quoted.
     */
    private static void baseline(Services services, String tenant, Instant from, Instant to, Instant cutoff)
            throws Exception {
        HttpResponse<byte[]> edgesAnswer = services.send(
                "GET",
                services.pricing(),
                RatingApi.PRICE_EDGES_PATH + "?tenant_id=" + tenant + "&from=" + from + "&to=" + to,
                null);
        String cuts = WireJson.MAPPER.readValue(edgesAnswer.body(), RatingApi.PriceEdges.class).edges().stream()
                .map(e -> e.at().toString())
                .filter(at -> !at.endsWith(":00:00Z") && !at.endsWith(":30:00Z"))
                .collect(java.util.stream.Collectors.joining(","));
        HttpResponse<byte[]> usageAnswer = services.send(
                "GET",
                services.metering(),
                BillableUsage.PATH + "?tenant_id=" + tenant + "&from=" + from + "&to=" + to + "&ingested_before="
                        + cutoff + "&bucket_minutes=30" + (cuts.isEmpty() ? "" : "&split_at=" + cuts),
                null);
        BillableUsage usage = WireJson.MAPPER.readValue(usageAnswer.body(), BillableUsage.class);
        List<RatingApi.QuoteLine> lines = new ArrayList<>();
        for (BillableUsage.Line line : usage.lines()) {
            lines.add(new RatingApi.QuoteLine(
                    line.model(),
                    line.region(),
                    TokenClass.fromWire(line.tokenClass()),
                    null,
                    null,
                    line.buckets().stream()
                            .map(b -> new RatingApi.Bucket(b.from(), b.to(), b.tokens()))
                            .toList(),
                    null));
        }
        byte[] request = WireJson.MAPPER.writeValueAsBytes(
                new RatingApi.QuoteRequest(tenant, new RatingApi.Period(from, to), "USD", lines));
        HttpResponse<byte[]> quote = services.send("POST", services.pricing(), RatingApi.QUOTE_PATH, request);
        if (quote.statusCode() != 200) {
            throw new IllegalStateException("quote: " + quote.statusCode() + " " + new String(quote.body()));
        }
        WireJson.MAPPER.readValue(quote.body(), RatingApi.Quote.class);
    }

    /** @param client the broker's security settings (the local stack's broker has SASL: the super user's) */
    private static long publish(String bootstrap, Map<String, Object> client, int tenants, Instant from)
            throws Exception {
        long events = 0;
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.putAll(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4",
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.BATCH_SIZE_CONFIG,
                131072,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            for (int i = 0; i < tenants; i++) {
                String tenant = "t-" + i;
                TenantProfileChanged profile = new TenantProfileChanged(
                        tenant, tenant, "Tenant " + i + " Pte. Ltd.", "SG", null, "USD", null, "ACTIVE", Instant.now());
                producer.send(new ProducerRecord<>(TenantProfileChanged.TOPIC, tenant, profile.toJson()));
                for (int u = 0; u < USAGE.length; u++) {
                    String[] m = USAGE[u];
                    long base = 1_000_000L + (i * 7919L + u * 104_729L) % 5_000_000L;
                    UsageEvent event = new UsageEvent(
                            1,
                            EventIds.newEventId(),
                            tenant,
                            "key-" + tenant,
                            m[0],
                            m[2],
                            m[1],
                            base,
                            m[3].contains("c") ? base / 4 : 0,
                            m[3].contains("w") ? base / 8 : 0,
                            base / 3,
                            0,
                            false,
                            null,
                            UsageStatus.SUCCEEDED,
                            100,
                            from.plusMillis((i * 13L + u * 997L) % 50_000));
                    producer.send(
                            new ProducerRecord<>(UsageTopics.USAGE_EVENTS, tenant, UsageEventCodec.toJson(event)));
                    events++;
                }
            }
            producer.flush();
        }
        return events;
    }

    private static void awaitMetered(String gateway, String finance, String lastTenant, Instant from, Instant to)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> usage = send(
                    "GET",
                    gateway + "/api/v1/usage?tenant_id=" + lastTenant + "&granularity=month&from="
                            + from.truncatedTo(ChronoUnit.HOURS) + "&to="
                            + to.truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS),
                    finance,
                    null);
            if (usage.statusCode() == 200
                    && JSON.readTree(usage.body()).path("data").size() > 0
                    && JSON.readTree(usage.body())
                                    .path("data")
                                    .get(0)
                                    .path("requests")
                                    .asLong()
                            == USAGE.length) {
                return;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("metering did not get the usage of " + lastTenant + " within 5 minutes");
    }

    private static void awaitProfile(String gateway, String finance, String lastTenant) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (send("GET", gateway + "/api/v1/billing/profiles/" + lastTenant, finance, null)
                        .statusCode()
                != 200) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("billing did not get the profile of " + lastTenant);
            }
            Thread.sleep(500);
        }
    }

    private static Map<String, Long> cpu(LocalStack stack) {
        Map<String, Long> cpu = new java.util.TreeMap<>();
        for (String service : List.of("billing-service", "metering-service", "pricing-service", "api-gateway")) {
            Optional<Duration> used = stack.cpuTime(service);
            used.ifPresent(d -> cpu.put(service, d.toNanos()));
        }
        return cpu;
    }

    private static boolean crossesOffPeakEdge(Instant from, Instant to) {
        return inOffPeak(from) != inOffPeak(to.minusMillis(1));
    }

    private static boolean inOffPeak(Instant at) {
        java.time.LocalTime t = at.atOffset(java.time.ZoneOffset.UTC).toLocalTime();
        return !t.isBefore(java.time.LocalTime.of(16, 30)) || t.isBefore(java.time.LocalTime.of(0, 30));
    }

    private static HttpResponse<String> send(String method, String url, String key, String body) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
