package io.tokenmeter.loadgen;

import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.localstack.KafkaBroker;
import io.tokenmeter.localstack.ManagedProcess;
import io.tokenmeter.localstack.PostgresServer;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.localstack.TopicDefinitions;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the metering benchmarks run on, in a temporary directory: a Kafka broker, PostgreSQL (fsync on) and the
 * packaged metering-service (1 GB heap), its polls as large as {@code maxPollRecords}.
 */
final class MeteringRig implements AutoCloseable {

    final PostgresServer postgres;
    final KafkaBroker kafka;
    private ManagedProcess metering;
    private final List<String> command;
    private final Map<String, String> env;
    private final Path state;
    private int starts = 1;
    final String meteringDb;
    final String meteringUrl;
    final StackConfig.Ports ports;

    private MeteringRig(
            PostgresServer postgres,
            KafkaBroker kafka,
            ManagedProcess metering,
            List<String> command,
            Map<String, String> env,
            Path state,
            String meteringDb,
            String meteringUrl,
            StackConfig.Ports ports) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.metering = metering;
        this.command = command;
        this.env = env;
        this.state = state;
        this.meteringDb = meteringDb;
        this.meteringUrl = meteringUrl;
        this.ports = ports;
    }

    /** @param extraEnv more of metering's environment (a caller's public key, for instance) */
    static MeteringRig start(Path home, Path state, int maxPollRecords, Map<String, String> extraEnv) throws Exception {
        StackConfig.Ports ports = StackConfig.Ports.free();
        PostgresServer postgres = PostgresServer.start(state.resolve("postgres"), ports.postgres(), true);
        KafkaBroker kafka = null;
        try {
            kafka = KafkaBroker.start(
                    home.resolve("infra/kafka-broker/target/lib"),
                    state.resolve("kafka"),
                    ports.kafka(),
                    ports.kafkaController(),
                    state.resolve("kafka.log"));
            TopicDefinitions.createMissing(kafka.bootstrapServers());
            String meteringDb = postgres.ensureDatabase("metering");
            List<String> command = new ArrayList<>(List.of(ManagedProcess.javaExecutable(), "-Xms1g", "-Xmx1g"));
            command.addAll(ManagedProcess.jvmFlags());
            command.addAll(List.of(
                    "-jar",
                    home.resolve("metering-service/target/metering-service.jar").toString()));
            Map<String, String> env = new HashMap<>(Map.of(
                    "PORT",
                    Integer.toString(ports.metering()),
                    "KAFKA_BOOTSTRAP_SERVERS",
                    kafka.bootstrapServers(),
                    "METERING_DB_URL",
                    meteringDb,
                    "METERING_DB_USER",
                    postgres.user(),
                    "METERING_DB_PASSWORD",
                    postgres.password(),
                    "LOG_FORMAT",
                    "logstash",
                    "SPRING_KAFKA_CONSUMER_MAX_POLL_RECORDS",
                    Integer.toString(maxPollRecords)));
            env.putAll(extraEnv);
            ManagedProcess metering =
                    ManagedProcess.start("metering-service", command, env, state.resolve("metering.log"));
            String url = "http://127.0.0.1:" + ports.metering();
            metering.awaitHttpOk(url + "/actuator/health", Duration.ofSeconds(120));
            return new MeteringRig(postgres, kafka, metering, command, env, state, meteringDb, url, ports);
        } catch (Exception e) {
            if (kafka != null) {
                kafka.close();
            }
            postgres.close();
            throw e;
        }
    }

    private static final String[] MODELS = {
        "deepseek-v3.2", "deepseek-r1", "glm-5", "kimi-k2", "qwen3-max", "minimax-m2.5"
    };
    private static final String[] REGIONS = {"cn-hangzhou", "cn-beijing", "sg"};

    /** The {@code i}-th synthetic event: tenant {@code t-(i % tenants)}, a random model, region and counts. */
    static byte[] event(Random random, long i, int tenants, Instant occurredAt) {
        long output = 50 + random.nextInt(4000);
        return UsageEventCodec.toJson(new UsageEvent(
                1,
                EventIds.newEventId(),
                "t-" + (i % tenants),
                "key-" + (i % tenants),
                MODELS[random.nextInt(MODELS.length)],
                "provider",
                REGIONS[random.nextInt(REGIONS.length)],
                random.nextInt(20_000),
                random.nextInt(5_000),
                0,
                output,
                random.nextInt((int) output),
                false,
                "req_" + i,
                UsageStatus.SUCCEEDED,
                200 + random.nextInt(5_000),
                occurredAt));
    }

    /** Stops metering-service as a shutdown would (its consumer leaves the group, its offsets committed). */
    void stopMetering() {
        metering.close();
    }

    /** Starts metering-service again, as it was started first; its log is a new file. */
    void startMetering() throws IOException {
        starts++;
        metering = ManagedProcess.start("metering-service", command, env, state.resolve("metering-" + starts + ".log"));
        metering.awaitHttpOk(meteringUrl + "/actuator/health", Duration.ofSeconds(120));
    }

    /** A producer as the gateway's: acks from all replicas, idempotent, lz4, batched. */
    KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                ProducerConfig.COMPRESSION_TYPE_CONFIG,
                "lz4",
                ProducerConfig.BATCH_SIZE_CONFIG,
                131072,
                ProducerConfig.LINGER_MS_CONFIG,
                20,
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class));
    }

    /** Waits until the rollups count {@code expected} events; fails when the count stands still for 120 s. */
    void awaitRollups(long expected, Duration poll) throws Exception {
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long counted = rolledUpEvents();
            if (counted >= expected) {
                return;
            }
            if (counted != last) {
                last = counted;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > Duration.ofSeconds(120).toNanos()) {
                throw new IllegalStateException("metering stalled at " + counted + " of " + expected + " events");
            }
            Thread.sleep(poll.toMillis());
        }
    }

    /** The events the rollups count. */
    long rolledUpEvents() throws Exception {
        return single("SELECT coalesce(sum(requests), 0) FROM usage_rollup_hourly");
    }

    /** A query answering one number, on metering's database. */
    long single(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(meteringDb, postgres.user(), postgres.password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws IOException {
        try (postgres;
                kafka) {
            metering.close();
        }
    }
}
