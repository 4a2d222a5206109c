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
            throw new IllegalStateException(
                    "cannot create database " + name + " on " + baseUrl + ": " + e.getMessage(), e);
        }
        return baseUrl + name;
    }

    /**
     * A service's database with two roles of its own: {@code <name>_owner}, which owns the database and everything
     * in it and runs the migrations, and {@code <name>_app}, which the service connects as and which may read and
     * write rows but owns nothing, so it can neither drop nor disable the triggers that keep issued invoices, raw
     * events and audit logs immutable. Both are made (or their passwords set) on every call; tables an earlier version
     * made as the server's superuser are handed to the owner.
     */
    public record ServiceDatabase(
            String url, String ownerUser, String ownerPassword, String appUser, String appPassword) {}

    public ServiceDatabase ensureServiceDatabase(String name, String ownerPassword, String appPassword) {
        String url = ensureDatabase(name);
        String owner = name + "_owner";
        String app = name + "_app";
        try (Connection c = DriverManager.getConnection(baseUrl + "postgres", user, password);
                Statement s = c.createStatement()) {
            for (String[] role : new String[][] {{owner, ownerPassword}, {app, appPassword}}) {
                var rs = s.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + role[0] + "'");
                String verb = rs.next() ? "ALTER" : "CREATE";
                s.execute(verb + " ROLE " + role[0] + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '"
                        + role[1].replace("'", "''") + "'");
            }
            s.execute("ALTER DATABASE " + name + " OWNER TO " + owner);
            s.execute("REVOKE ALL ON DATABASE " + name + " FROM PUBLIC");
            s.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + name + " TO " + app);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set up the roles of database " + name + ": " + e.getMessage(), e);
        }
        try (Connection c = DriverManager.getConnection(url, user, password);
                Statement s = c.createStatement()) {
            // what an earlier version made as the superuser becomes the owner's (it runs the migrations from now on)
            s.execute("""
                    DO $$ DECLARE o record; BEGIN
                      FOR o IN SELECT c.oid::regclass AS t, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid =
                          c.relnamespace
                               WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND
                                   pg_get_userbyid(c.relowner) <> '%1$s'
                      LOOP
                        EXECUTE format('ALTER %%s %%s OWNER TO %1$s', CASE o.relkind WHEN 'v' THEN 'VIEW' ELSE 'TABLE'
                            END, o.t);
                      END LOOP;
                      FOR o IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid =
                          p.pronamespace
                               WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> '%1$s'
                      LOOP
                        EXECUTE format('ALTER FUNCTION %%s OWNER TO %1$s', o.f);
                      END LOOP;
                    END $$""".formatted(owner));
            s.execute("ALTER SCHEMA public OWNER TO " + owner);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot hand database " + name + " to its owner role: " + e.getMessage(), e);
        }
        return new ServiceDatabase(url, owner, ownerPassword, app, appPassword);
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
