package io.tokenmeter.loadgen;

import io.tokenmeter.localstack.KafkaBroker;
import io.tokenmeter.localstack.ManagedProcess;
import io.tokenmeter.localstack.PostgresServer;
import io.tokenmeter.localstack.StackConfig;
import io.tokenmeter.localstack.TopicDefinitions;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the metering benchmarks run on, in a temporary directory: a Kafka broker, PostgreSQL (fsync on) and the
 * packaged metering-service (1 GB heap), its polls as large as {@code maxPollRecords}.
 */
final class MeteringRig implements AutoCloseable {

    final PostgresServer postgres;
    final KafkaBroker kafka;
    final ManagedProcess metering;
    final String meteringDb;
    final String meteringUrl;
    final StackConfig.Ports ports;

    private MeteringRig(
            PostgresServer postgres,
            KafkaBroker kafka,
            ManagedProcess metering,
            String meteringDb,
            String meteringUrl,
            StackConfig.Ports ports) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.metering = metering;
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
            return new MeteringRig(postgres, kafka, metering, meteringDb, url, ports);
        } catch (Exception e) {
            if (kafka != null) {
                kafka.close();
            }
            postgres.close();
            throw e;
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
