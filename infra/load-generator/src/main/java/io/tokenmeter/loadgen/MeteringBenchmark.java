package io.tokenmeter.loadgen;

import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.localstack.KafkaBroker;
import io.tokenmeter.localstack.PostgresServer;
import io.tokenmeter.localstack.StackConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Pushes N usage events through Kafka into the packaged metering-service and prints the sustained
 * end-to-end rate (first send until the last event is in the rollups), then, on the same broker, database and
 * machine, the rate of a plain Kafka consumer reading the same events, of a plain batched INSERT of the same rows
 * and of a plain COPY of them (both committing batches as large as metering's): the ratios are the figures. A second
 * pass replays every event, which must all be dropped as duplicates. A last pass measures metering alone: N new
 * events put on the topic while it was stopped, then drained (the producer's CPU out of the window, as it is out of
 * the baselines'). Run it with
 * {@code ./infra/bench-metering [events]}.
 */
public final class MeteringBenchmark {

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        // metering's largest batch (its max poll); the INSERT baseline commits batches of the same size
        int batch = Integer.parseInt(System.getenv().getOrDefault("BENCH_MAX_POLL_RECORDS", "10000"));
        int tenants = 1_000;
        Path state = Files.createTempDirectory("tokenmeter-bench");
        say("events: " + n + ", tenants: " + tenants + ", cores: "
                + Runtime.getRuntime().availableProcessors()
                + " (broker, database, metering and this generator share them)");
        say("generating events ...");
        List<byte[]> events = generate(n, tenants);
        List<String> keys = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            keys.add("t-" + (i % tenants));
        }
        try (MeteringRig rig = MeteringRig.start(home, state, batch, Map.of())) {
            PostgresServer postgres = rig.postgres;
            KafkaBroker kafka = rig.kafka;
            String meteringDb = rig.meteringDb;
            StackConfig.Ports ports = rig.ports;
            say("metering-service is up (log " + state.resolve("metering.log") + ")");

            // 1. end to end, deduplication on: first send until every event is in the rollups
            long start = System.nanoTime();
            double produceSeconds = produce(rig, keys, events);
            rig.awaitRollups(n, Duration.ofMillis(50));
            double e2eSeconds = seconds(start);
            double e2e = n / e2eSeconds;

            // 2. replay of the same events: all duplicates, nothing may count twice
            long replayStart = System.nanoTime();
            produce(rig, keys, events);
            awaitConsumed(kafka.bootstrapServers(), 2L * n);
            double replay = n / seconds(replayStart);
            String metrics = scrape("http://127.0.0.1:" + ports.metering() + "/actuator/prometheus");
            long counted = rig.rolledUpEvents();

            // 3. baselines on the same broker and database
            // the consumer reads the 2n records on the topic (events and their replay): its rate is per record
            double consumer = plainConsumer(kafka.bootstrapServers(), 2L * n);
            // committed in batches as large as metering's (its max poll), so both pay the same fsyncs
            double insert = plainInsert(postgres.ensureDatabase("baseline"), postgres, events, batch);
            // the cheapest way into PostgreSQL: COPY of the same rows, committed in batches of the same size
            double copy = plainCopy(postgres.ensureDatabase("baseline"), postgres, events, batch);

            // 4. metering alone: n new events already on the topic while metering was stopped, so the producer and
            // the broker's writes are out of the measured window, as they are out of the baselines'. Measured from the
            // first new event in the rollups to the last: the restarted JVM's JIT is cold, which counts against it
            rig.stopMetering();
            events.clear(); // the baselines are done with them
            List<byte[]> fresh = generate(n, tenants);
            produce(rig, keys, fresh);
            fresh.clear();
            rig.startMetering();
            long before = counted;
            long firstSeen;
            while ((firstSeen = rig.rolledUpEvents()) == before) {
                Thread.sleep(20);
            }
            long aloneStart = System.nanoTime();
            rig.awaitRollups(before + n, Duration.ofMillis(50));
            double alone = (before + n - firstSeen) / seconds(aloneStart);
            long countedAfter = rig.rolledUpEvents();

            System.out.println();
            System.out.println("== metering benchmark: " + n + " events ==");
            System.out.printf("producer (acks=all, idempotent, lz4)      %,12.0f events/s%n", n / produceSeconds);
            System.out.printf("metering end to end (dedup on)           %,12.0f events/s   %.1f s%n", e2e, e2eSeconds);
            System.out.printf("metering replay (all duplicates)         %,12.0f events/s%n", replay);
            System.out.printf("metering alone (topic filled before)     %,12.0f events/s%n", alone);
            System.out.printf("baseline: plain Kafka consumer           %,12.0f events/s%n", consumer);
            System.out.printf("baseline: plain batched INSERT (%,6d)  %,12.0f rows/s%n", batch, insert);
            System.out.printf("baseline: plain COPY (%,6d)            %,12.0f rows/s%n", batch, copy);
            System.out.printf("ratio end to end / plain consumer        %12.2f%n", e2e / consumer);
            System.out.printf("ratio end to end / plain INSERT          %12.2f%n", e2e / insert);
            System.out.printf("ratio end to end / plain COPY            %12.2f%n", e2e / copy);
            System.out.printf("ratio alone / plain COPY                 %12.2f%n", alone / copy);
            double batches = metric(metrics, "tokenmeter_metering_batch_size_events_count");
            System.out.printf(
                    "metering batches: mean size %,.0f events, mean database transaction %.1f ms%n",
                    metric(metrics, "tokenmeter_metering_batch_size_events_sum") / batches,
                    1000 * metric(metrics, "tokenmeter_metering_batch_store_seconds_sum") / batches);
            System.out.printf("events counted after the replay          %,12d (expected %,d)%n", counted, n);
            if (counted != n || countedAfter != 2L * n) {
                throw new IllegalStateException("counted " + counted + " then " + countedAfter + " events, expected "
                        + n + " then " + 2L * n + "; logs in " + state);
            }
        }
        // kept on failure, for its logs
        try (Stream<Path> files = Files.walk(state)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static List<byte[]> generate(int n, int tenants) {
        Random random = new Random(42);
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(6, ChronoUnit.HOURS);
        List<byte[]> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(MeteringRig.event(random, i, tenants, hour.plusMillis(i % 21_600_000L)));
        }
        return events;
    }

    private static double produce(MeteringRig rig, List<String> keys, List<byte[]> events) {
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = rig.producer()) {
            for (int i = 0; i < events.size(); i++) {
                producer.send(new ProducerRecord<>(UsageTopics.USAGE_EVENTS, keys.get(i), events.get(i)));
            }
            producer.flush();
        }
        return seconds(start);
    }

    /** Waits until the metering consumer group has committed offsets covering {@code total} records. */
    private static void awaitConsumed(String bootstrap, long total) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            while (true) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("metering-service")
                        .partitionsToOffsetAndMetadata()
                        .get();
                long sum = committed.entrySet().stream()
                        .filter(e -> e.getKey().topic().equals(UsageTopics.USAGE_EVENTS))
                        .mapToLong(e -> e.getValue().offset())
                        .sum();
                if (sum >= total) {
                    return;
                }
                Thread.sleep(50);
            }
        }
    }

    private static double plainConsumer(String bootstrap, long records) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "baseline-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                5000,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class))) {
            consumer.subscribe(List.of(UsageTopics.USAGE_EVENTS));
            long read = 0;
            long start = 0;
            while (read < records) {
                int got = consumer.poll(Duration.ofMillis(200)).count();
                if (got > 0 && start == 0) {
                    start = System.nanoTime(); // from the first record: the group join is not reading
                }
                read += got;
            }
            return read / seconds(start);
        }
    }

    /**
     * The same rows as the raw event table, batched INSERTs with reWriteBatchedInserts, one commit per {@code batch}
     * rows (as metering commits a polled batch), no dedup.
     */
    private static double plainInsert(String url, PostgresServer postgres, List<byte[]> json, int batch)
            throws Exception {
        List<UsageEvent> events =
                json.stream().map(b -> UsageEventCodec.decode(b).event()).collect(Collectors.toList());
        try (Connection c = DriverManager.getConnection(
                url + "?reWriteBatchedInserts=true", postgres.user(), postgres.password())) {
            try (Statement s = c.createStatement()) {
                s.execute("""
                        CREATE TABLE baseline_event (event_id uuid, tenant_id text, api_key_id text, model text,
                          provider text, region text, input_tokens bigint, cached_input_tokens bigint,
                          cache_write_tokens bigint, output_tokens bigint, reasoning_tokens bigint, estimated boolean,
                          request_id text, status text, latency_ms bigint, occurred_at timestamptz)""");
            }
            c.setAutoCommit(false);
            long start = System.nanoTime();
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO baseline_event VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
                int i = 0;
                for (UsageEvent e : events) {
                    ps.setObject(1, e.eventId());
                    ps.setString(2, e.tenantId());
                    ps.setString(3, e.apiKeyId());
                    ps.setString(4, e.model());
                    ps.setString(5, e.provider());
                    ps.setString(6, e.region());
                    ps.setLong(7, e.inputTokens());
                    ps.setLong(8, e.cachedInputTokens());
                    ps.setLong(9, e.cacheWriteTokens());
                    ps.setLong(10, e.outputTokens());
                    ps.setLong(11, e.reasoningTokens());
                    ps.setBoolean(12, e.estimated());
                    ps.setString(13, e.requestId());
                    ps.setString(14, e.status().name());
                    ps.setLong(15, e.latencyMs());
                    ps.setTimestamp(16, Timestamp.from(e.occurredAt()));
                    ps.addBatch();
                    if (++i % batch == 0) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
                ps.executeBatch();
                c.commit();
            }
            return events.size() / seconds(start);
        }
    }

    /**
     * The same rows as {@link #plainInsert}, with COPY (CSV, as the client writes it), one commit per {@code batch}
     * rows, no dedup, no index: the floor of what storing an event can cost here.
     */
    private static double plainCopy(String url, PostgresServer postgres, List<byte[]> json, int batch)
            throws Exception {
        List<UsageEvent> events =
                json.stream().map(b -> UsageEventCodec.decode(b).event()).collect(Collectors.toList());
        try (Connection c = DriverManager.getConnection(url, postgres.user(), postgres.password())) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TABLE baseline_copy (LIKE baseline_event)");
            }
            c.setAutoCommit(false);
            org.postgresql.copy.CopyManager copy =
                    c.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
            long start = System.nanoTime();
            StringBuilder csv = new StringBuilder(batch * 200);
            int i = 0;
            for (UsageEvent e : events) {
                csv.append(e.eventId())
                        .append(',')
                        .append(e.tenantId())
                        .append(',')
                        .append(e.apiKeyId() == null ? "" : e.apiKeyId())
                        .append(',')
                        .append(e.model())
                        .append(',')
                        .append(e.provider())
                        .append(',')
                        .append(e.region())
                        .append(',')
                        .append(e.inputTokens())
                        .append(',')
                        .append(e.cachedInputTokens())
                        .append(',')
                        .append(e.cacheWriteTokens())
                        .append(',')
                        .append(e.outputTokens())
                        .append(',')
                        .append(e.reasoningTokens())
                        .append(',')
                        .append(e.estimated())
                        .append(',')
                        .append(e.requestId() == null ? "" : e.requestId())
                        .append(',')
                        .append(e.status().name())
                        .append(',')
                        .append(e.latencyMs())
                        .append(',')
                        .append(e.occurredAt())
                        .append('\n');
                if (++i % batch == 0 || i == events.size()) {
                    copy.copyIn("COPY baseline_copy FROM STDIN (FORMAT csv)", new java.io.StringReader(csv.toString()));
                    c.commit();
                    csv.setLength(0);
                }
            }
            return events.size() / seconds(start);
        }
    }

    private static String scrape(String url) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        return http.send(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    private static double metric(String prometheus, String name) {
        for (String line : prometheus.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    private static void say(String line) {
        System.out.println("[bench] " + line);
    }
}
