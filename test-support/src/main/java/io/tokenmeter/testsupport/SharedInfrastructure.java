package io.tokenmeter.testsupport;

import io.tokenmeter.localstack.PostgresServer;
import io.tokenmeter.localstack.TopicDefinitions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.io.IOException;
import java.util.Map;

/**
 * The one Kafka broker and the one PostgreSQL server of this test JVM, started on first use and stopped when
 * the JVM ends. Which ones, in order of preference:
 * <ol>
 *   <li>servers named by {@code TOKENMETER_TEST_KAFKA_BOOTSTRAP_SERVERS} and {@code TOKENMETER_TEST_POSTGRES_URL}
 *       (with {@code _USER}, {@code _PASSWORD}), e.g. in a CI that provides them;</li>
 *   <li>Testcontainers, where a Docker engine answers;</li>
 *   <li>spring-kafka-test's in-process KRaft broker and a real PostgreSQL server process (zonky binaries).</li>
 * </ol>
 * Never a mock or an in-memory stand-in.
 */
public final class SharedInfrastructure {

    private static final Logger log = LoggerFactory.getLogger(SharedInfrastructure.class);

    private static volatile String kafkaBootstrapServers;
    private static volatile PostgresServer postgres;

    private SharedInfrastructure() {}

    public static synchronized String kafkaBootstrapServers() {
        if (kafkaBootstrapServers == null) {
            kafkaBootstrapServers = startKafka();
            TopicDefinitions.createMissing(kafkaBootstrapServers);
        }
        return kafkaBootstrapServers;
    }

    public static synchronized PostgresServer postgres() {
        if (postgres == null) {
            postgres = startPostgres();
        }
        return postgres;
    }

    private static final java.util.Map<String, PostgresServer.ServiceDatabase> DATABASES =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** Passwords of this test JVM's database roles: made at random, never written anywhere. */
    private static final String OWNER_PASSWORD = java.util.UUID.randomUUID().toString();

    private static final String APP_PASSWORD = java.util.UUID.randomUUID().toString();

    /** A service's database on the shared server, with its owner and application roles (see PostgresServer). */
    public static synchronized PostgresServer.ServiceDatabase serviceDatabase(String name) {
        return DATABASES.computeIfAbsent(name, n -> postgres().ensureServiceDatabase(n, OWNER_PASSWORD, APP_PASSWORD));
    }

    /**
     * Runs DDL as a database's owner role, for a test that breaks a table on purpose (the application's role cannot).
     */
    public static void asOwner(String database, String sql) {
        PostgresServer.ServiceDatabase db = serviceDatabase(database);
        try (java.sql.Connection c =
                        java.sql.DriverManager.getConnection(db.url(), db.ownerUser(), db.ownerPassword());
                java.sql.Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }

    private static String startKafka() {
        String configured = System.getenv("TOKENMETER_TEST_KAFKA_BOOTSTRAP_SERVERS");
        if (configured != null && !configured.isBlank()) {
            log.info("tests use the Kafka broker at {}", configured);
            return configured;
        }
        if (dockerAvailable()) {
            KafkaContainer kafka = new KafkaContainer("apache/kafka:4.1.2");
            kafka.start();
            Runtime.getRuntime().addShutdownHook(new Thread(kafka::stop));
            log.info("tests use a Kafka container at {}", kafka.getBootstrapServers());
            return kafka.getBootstrapServers();
        }
        EmbeddedKafkaKraftBroker broker = new EmbeddedKafkaKraftBroker(1, 4);
        broker.brokerProperties(Map.of(
                "auto.create.topics.enable", "false",
                "group.initial.rebalance.delay.ms", "0",
                "transaction.state.log.replication.factor", "1",
                "transaction.state.log.min.isr", "1"));
        broker.afterPropertiesSet();
        Runtime.getRuntime().addShutdownHook(new Thread(broker::destroy));
        log.info("tests use an in-process KRaft broker at {}", broker.getBrokersAsString());
        return broker.getBrokersAsString();
    }

    private static PostgresServer startPostgres() {
        String configured = System.getenv("TOKENMETER_TEST_POSTGRES_URL");
        if (configured != null && !configured.isBlank()) {
            log.info("tests use the PostgreSQL server at {}", configured);
            return PostgresServer.existing(
                    configured,
                    env("TOKENMETER_TEST_POSTGRES_USER", "postgres"),
                    env("TOKENMETER_TEST_POSTGRES_PASSWORD", ""));
        }
        if (dockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:17");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            String base = "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(5432) + "/";
            log.info("tests use a PostgreSQL container at {}", base);
            return PostgresServer.existing(base, container.getUsername(), container.getPassword());
        }
        try {
            PostgresServer server = PostgresServer.start(null, 0, false);
            log.info("tests use a PostgreSQL server process at {}", server.baseUrl());
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start PostgreSQL for the tests", e);
        }
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null ? fallback : value;
    }
}
