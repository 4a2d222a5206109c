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
            int kafkaController,
            int console) {

        /** The documented ports of {@code ./infra/start}. */
        public static Ports standard() {
            return new Ports(8080, 8081, 8082, 8083, 8090, 15432, 9092, 9093, 8084);
        }

        /** Free ports picked now, for tests that run beside other things. */
        public static Ports free() {
            java.util.Set<Integer> picked = new java.util.LinkedHashSet<>();
            while (picked.size() < 9) { // random picks may repeat: nine different ones
                picked.add(freePort());
            }
            int[] p = picked.stream().mapToInt(Integer::intValue).toArray();
            return new Ports(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]);
        }

        /** Below Linux's default ephemeral range (32768-60999), where outgoing connections take their ports. */
        static final int LOWEST = 20_000;

        static final int HIGHEST = 32_767;

        /**
         * A port free now, picked at random below the ephemeral range. A port from the operating system ({@code new
         * ServerSocket(0)}) comes from the range outgoing connections use too, and a broker's or database's client
         * took one before the service that was to listen on it had started ("Port ... already in use").
         */
        public static int freePort() {
            java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
            for (int attempt = 0; attempt < 200; attempt++) {
                int port = random.nextInt(LOWEST, HIGHEST + 1);
                try (ServerSocket socket = new ServerSocket(port)) {
                    return socket.getLocalPort();
                } catch (IOException taken) {
                    // in use: try another
                }
            }
            throw new IllegalStateException("no free port between " + LOWEST + " and " + HIGHEST + " in 200 tries");
        }
    }
}
