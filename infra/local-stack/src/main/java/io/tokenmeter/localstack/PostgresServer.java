package io.tokenmeter.localstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server: either one that is already running (named by a JDBC URL), or one this process
 * starts from the PostgreSQL binaries published on Maven Central (zonky), which also works as root by
 * running the server in a user namespace. Each service gets its own database on the server.
 */
public final class PostgresServer implements AutoCloseable {

    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,62}");

    private final String baseUrl;
    private final String user;
    private final String password;
    private final EmbeddedPostgres embedded;

    private PostgresServer(String baseUrl, String user, String password, EmbeddedPostgres embedded) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
        this.user = user;
        this.password = password;
        this.embedded = embedded;
    }

    /** A server somebody else runs; {@code baseUrl} is {@code jdbc:postgresql://host:port/}. */
    public static PostgresServer existing(String baseUrl, String user, String password) {
        return new PostgresServer(baseUrl, user, password, null);
    }

    /**
     * Starts a server of our own.
     *
     * @param dataDirectory kept between starts when {@code durable}; a fresh one is made otherwise
     * @param port          0 for any free port
     * @param durable       fsync and synchronous commit on (the local stack); off for tests, which throw data away
     */
    public static PostgresServer start(Path dataDirectory, int port, boolean durable) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("max_connections", "300")
                .setServerConfig("shared_buffers", "256MB")
                // metering ingests in bulk; a small WAL budget would force a checkpoint every few seconds
                .setServerConfig("max_wal_size", "4GB")
                .setServerConfig("checkpoint_timeout", "15min")
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", durable ? "on" : "off")
                .setServerConfig("synchronous_commit", durable ? "on" : "off")
                .setServerConfig("full_page_writes", durable ? "on" : "off");
        if (port > 0) {
            builder.setPort(port);
        }
        if (dataDirectory != null) {
            builder.setDataDirectory(dataDirectory).setCleanDataDirectory(!durable);
        }
        EmbeddedPostgres postgres = builder.start();
        return new PostgresServer("jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/", "postgres", "", postgres);
    }

    /** Creates the database unless it exists, and returns its JDBC URL. */
    public String ensureDatabase(String name) {
        if (!DATABASE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection c = DriverManager.getConnection(baseUrl + "postgres", user, password);
             Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'");
            if (!rs.next()) {
                try {
                    s.execute("CREATE DATABASE " + name);
                } catch (SQLException raced) {
                    if (!"42P04".equals(raced.getSQLState())) { // duplicate_database: another JVM made it first
                        throw raced;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + baseUrl + ": " + e.getMessage(), e);
        }
        return baseUrl + name;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    public String baseUrl() {
        return baseUrl;
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) {
            embedded.close();
        }
    }
}
