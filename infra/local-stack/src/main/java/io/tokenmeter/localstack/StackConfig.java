package io.tokenmeter.localstack;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * Where the stack's parts live and listen.
 *
 * @param home      the repository root (where the built jars are)
 * @param state     everything the stack writes: data, logs, keys (git-ignored)
 * @param kafka     bootstrap servers of an existing broker, or null to start one (with SASL and ACLs)
 * @param postgres  an existing server, or null to start one
 * @param kafkaSecurity the existing broker's users and super user, when it has them; null for an open one
 */
public record StackConfig(
        Path home, Path state, Ports ports, String kafka, PostgresServer postgres, KafkaSecurity kafkaSecurity) {

    public StackConfig(Path home, Path state, Ports ports, String kafka, PostgresServer postgres) {
        this(home, state, ports, kafka, postgres, null);
    }

    public record Ports(
            int gateway,
            int metering,
            int pricing,
            int billing,
            int simulator,
            int postgres,
            int kafka,
            int kafkaController) {

        /** The documented ports of {@code ./infra/start}. */
        public static Ports standard() {
            return new Ports(8080, 8081, 8082, 8083, 8090, 15432, 9092, 9093);
        }

        /** Free ports picked now, for tests that run beside other things. */
        public static Ports free() {
            return new Ports(
                    freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort());
        }

        /** A port free now, from the operating system. */
        public static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
