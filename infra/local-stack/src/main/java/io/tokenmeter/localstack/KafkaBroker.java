package io.tokenmeter.localstack;

import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real, single-node Kafka broker in KRaft mode, run as its own process from the Kafka jars of Maven
 * Central (copied by the {@code infra/kafka-broker} module). Its data survives restarts.
 */
public final class KafkaBroker implements AutoCloseable {

    private final ManagedProcess process;
    private final String bootstrapServers;

    private KafkaBroker(ManagedProcess process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    public static KafkaBroker start(Path libDirectory, Path dataDirectory, int port, int controllerPort, Path log)
            throws IOException, InterruptedException {
        return start(libDirectory, dataDirectory, port, controllerPort, log, null);
    }

    /** @param security who may connect and what each may do; null for an open broker (benchmarks) */
    public static KafkaBroker start(
            Path libDirectory, Path dataDirectory, int port, int controllerPort, Path log, KafkaSecurity security)
            throws IOException, InterruptedException {
        if (!Files.isDirectory(libDirectory)) {
            throw new IllegalStateException(
                    "Kafka jars are missing at " + libDirectory + "; build with ./mvnw package first");
        }
        Files.createDirectories(dataDirectory);
        Path config = dataDirectory.resolve("server.properties");
        Path logDirs = dataDirectory.resolve("data");
        List<String> listeners = security != null
                ? security.brokerConfig(port, controllerPort)
                : List.of(
                        "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                        "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                        "inter.broker.listener.name=PLAINTEXT",
                        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        Files.writeString(
                config,
                String.join("\n", listeners) + "\n"
                        + String.join(
                                "\n",
                                "process.roles=broker,controller",
                                "node.id=1",
                                "controller.quorum.bootstrap.servers=127.0.0.1:" + controllerPort,
                                "controller.listener.names=CONTROLLER",
                                "log.dirs=" + logDirs,
                                "num.partitions=4",
                                "auto.create.topics.enable=false",
                                "offsets.topic.replication.factor=1",
                                "transaction.state.log.replication.factor=1",
                                "transaction.state.log.min.isr=1",
                                "share.coordinator.state.topic.replication.factor=1",
                                "share.coordinator.state.topic.min.isr=1",
                                "group.initial.rebalance.delay.ms=0",
                                ""));
        String classpath = libDirectory.toAbsolutePath() + "/*";
        List<String> java = new ArrayList<>(List.of(ManagedProcess.javaExecutable(), "-Xms256m", "-Xmx768m"));
        java.addAll(ManagedProcess.jvmFlags());
        java.addAll(List.of("-Dlog4j2.configurationFile=" + writeLog4jConfig(dataDirectory), "-cp", classpath));

        if (!Files.exists(logDirs.resolve("meta.properties"))) {
            List<String> format = new ArrayList<>(java);
            format.addAll(List.of(
                    "kafka.tools.StorageTool",
                    "format",
                    "--standalone",
                    "-t",
                    Uuid.randomUuid().toString(),
                    "-c",
                    config.toString()));
            Process p = new ProcessBuilder(format)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("formatting Kafka storage failed; see " + log);
            }
        }
        List<String> server = new ArrayList<>(java);
        server.addAll(List.of("kafka.Kafka", config.toString()));
        ManagedProcess process = ManagedProcess.start("kafka", server, Map.of(), log);
        awaitPort(process, port, Duration.ofSeconds(90));
        return new KafkaBroker(process, "127.0.0.1:" + port);
    }

    private static Path writeLog4jConfig(Path dir) throws IOException {
        Path file = dir.resolve("log4j2.properties");
        Files.writeString(
                file,
                String.join(
                        "\n",
                        "appender.out.type=Console",
                        "appender.out.name=out",
                        "appender.out.layout.type=PatternLayout",
                        "appender.out.layout.pattern=%d{ISO8601} %p [%c] %m%n",
                        "rootLogger.level=WARN",
                        "rootLogger.appenderRef.out.ref=out",
                        "logger.server.name=kafka.server.KafkaRaftServer",
                        "logger.server.level=INFO",
                        ""));
        return file;
    }

    private static void awaitPort(ManagedProcess process, int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka exited during start; see " + process.log());
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                ManagedProcess.sleep(200);
            }
        }
        throw new IllegalStateException(
                "Kafka did not listen on " + port + " within " + timeout.toSeconds() + " s; see " + process.log());
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        process.close();
    }
}
