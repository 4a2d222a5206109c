package io.tokenmeter.loadgen;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.CallerHeaders;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.usage.UsageTopics;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The usage API under query load: N events (default 10,000,000) of 1,000 tenants over last month go through Kafka
 * into the packaged metering-service; then 50 concurrent clients ask {@code GET /api/v1/usage} for one tenant's
 * month by day and model, as fast as answers come, for a while, and the benchmark prints p50, p99 and p99.9 (goal:
 * p99 under 50 ms). Baselines in the same run: the same query's SQL straight on the database, 50 clients on as many
 * connections as metering's pool (16), and the SQL that answered it from the hourly rollups alone before. Run:
 * {@code ./infra/bench-usage [events] [seconds]}.
 */
public final class UsageQueryBenchmark {

    private static final int TENANTS = 1_000;
    private static final int CLIENTS = 50;
    private static final int POOL = 16; // metering's spring.datasource.hikari.maximum-pool-size
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();
    private static final String SUMS = """
            sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens),
            sum(reasoning_tokens), sum(requests), sum(estimated_requests)""";
    private static final String COLUMNS = """
            model, region, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
            requests, estimated_requests""";
    /**
     * What {@code UsageRepository} runs for a month by day and model (its shape, with the same bound parameters): the
     * sealed days from the daily rollups, the hours around them from the hourly ones. Parameters: tenant, from, from,
     * tenant, from, from, to, tenant, from, to, to.
     */
    private static final String SQL = "SELECT date_trunc('day', t, 'UTC') AS period_start, model, " + SUMS
            + " FROM (SELECT hour AS t, " + COLUMNS + " FROM usage_rollup_hourly"
            + " WHERE tenant_id = ? AND hour >= ? AND hour < ?"
            + " UNION ALL SELECT day, " + COLUMNS + " FROM usage_rollup_daily WHERE tenant_id = ? AND day >= ?"
            + " AND day < (SELECT greatest(?, least(?, sealed_before)) FROM usage_rollup_watermark)"
            + " UNION ALL SELECT hour, " + COLUMNS + " FROM usage_rollup_hourly WHERE tenant_id = ?"
            + " AND hour >= (SELECT greatest(?, least(?, sealed_before)) FROM usage_rollup_watermark) AND hour < ?"
            + ") AS rollups GROUP BY 1, model ORDER BY 1, model";
    /** The same answer from the hourly rollups alone, as the API read it before daily rollups. */
    private static final String HOURLY_SQL = "SELECT date_trunc('day', hour, 'UTC') AS period_start, model, " + SUMS
            + " FROM usage_rollup_hourly WHERE tenant_id = ? AND hour >= ? AND hour < ?"
            + " GROUP BY 1, model ORDER BY 1, model";

    private UsageQueryBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        long n = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        LocalDate firstDay = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).minusMonths(1);
        Instant from = firstDay.atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant to = firstDay.plusMonths(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        String[] gateway = CallerHeaders.newKeyPair(); // the benchmark signs as the gateway would
        Path state = Files.createTempDirectory("tokenmeter-bench-usage");
        try (MeteringRig rig =
                MeteringRig.start(home, state, 10_000, Map.of("TOKENMETER_GATEWAY_PUBLIC_KEY", gateway[1]))) {
            System.out.printf("producing %,d events of %,d tenants over %s to %s ...%n", n, TENANTS, from, to);
            long started = System.nanoTime();
            produce(rig, n, from, to);
            rig.awaitRollups(n, Duration.ofSeconds(1));
            System.out.printf(
                    "metered in %.0f s; %,d hourly rollup rows, %,d daily%n",
                    (System.nanoTime() - started) / 1e9,
                    rig.single("SELECT count(*) FROM usage_rollup_hourly"),
                    rig.single("SELECT count(*) FROM usage_rollup_daily"));
            // every day of last month is sealed once it is 6 hours past (metering's seal-after); the first 6 hours of a
            // month read its last day from the hourly rollups
            long sealedBefore =
                    rig.single("SELECT extract(epoch FROM sealed_before)::int8 FROM usage_rollup_watermark");
            System.out.printf("days before %s are read from the daily rollups%n", Instant.ofEpochSecond(sealedBefore));

            CallerHeaders signer =
                    new CallerHeaders("gateway", CallerHeaders.privateKey(gateway[0]), Map.of(), Clock.systemUTC());
            Caller finance = new Caller("bench-finance", Role.FINANCE, null);
            String query = "/api/v1/usage?from=" + from + "&to=" + to + "&granularity=day&group_by=model&tenant_id=";
            Runner api = tenant -> {
                URI uri = URI.create(rig.meteringUrl + query + tenant);
                CallerHeaders.Signed signed = signer.sign(finance, "GET", uri.getRawPath(), null);
                HttpResponse<byte[]> answer = HTTP.send(
                        HttpRequest.newBuilder(uri)
                                .header(CallerHeaders.CALLER, signed.caller())
                                .header(CallerHeaders.SIGNATURE, signed.signature())
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                return answer.statusCode() == 200;
            };
            // handed out in order of asking (fair), as Hikari does: an unfair queue starves some clients for seconds
            BlockingQueue<Connection> connections = new ArrayBlockingQueue<>(POOL, true);
            for (int i = 0; i < POOL; i++) {
                connections.add(
                        DriverManager.getConnection(rig.meteringDb, rig.postgres.user(), rig.postgres.password()));
            }
            Runner sql =
                    tenant -> query(connections, SQL, tenant, from, from, tenant, from, from, to, tenant, from, to, to);
            Runner hourly = tenant -> query(connections, HOURLY_SQL, tenant, from, to);
            measure(api, 5); // warm-up, discarded
            measure(sql, 5);
            measure(hourly, 5);
            Result viaApi = measure(api, seconds);
            Result direct = measure(sql, seconds);
            Result before = measure(hourly, seconds);
            for (Connection c : connections) {
                c.close();
            }

            System.out.println();
            System.out.printf(
                    "== usage query: %,d events of %,d tenants, one tenant's month by day and model, %d clients, %d s ==%n",
                    n, TENANTS, CLIENTS, seconds);
            System.out.printf(
                    "%-34s %10s %10s %10s %10s %10s %8s%n",
                    "", "queries/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "failed");
            print("GET /api/v1/usage (metering)", direct, viaApi, seconds, false);
            print("baseline: the same SQL, 16 conns", direct, direct, seconds, true);
            print("hourly rollups only (before), SQL", direct, before, seconds, true);
            System.out.printf(
                    "ratio API / SQL                    p50 %.2f, p99 %.2f%n",
                    (double) viaApi.h().getValueAtPercentile(50) / direct.h().getValueAtPercentile(50),
                    (double) viaApi.h().getValueAtPercentile(99) / direct.h().getValueAtPercentile(99));
            System.out.printf(
                    "ratio SQL / hourly-only SQL        p50 %.2f, p99 %.2f%n",
                    (double) direct.h().getValueAtPercentile(50) / before.h().getValueAtPercentile(50),
                    (double) direct.h().getValueAtPercentile(99) / before.h().getValueAtPercentile(99));
        }
    }

    /** One query on a connection of the fair pool; whether it found rows. Strings and instants are bound in order. */
    private static boolean query(BlockingQueue<Connection> connections, String sql, Object... params) throws Exception {
        Connection c = connections.take();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                if (params[i] instanceof Instant instant) {
                    ps.setTimestamp(i + 1, Timestamp.from(instant));
                } else {
                    ps.setString(i + 1, (String) params[i]);
                }
            }
            try (ResultSet rs = ps.executeQuery()) {
                int rows = 0;
                while (rs.next()) {
                    rows++;
                }
                return rows > 0;
            }
        } finally {
            connections.put(c);
        }
    }

    @FunctionalInterface
    private interface Runner {
        /** One query for {@code tenant}; whether it answered as it should. */
        boolean run(String tenant) throws Exception;
    }

    record Result(Histogram h, long failed) {}

    /** {@code CLIENTS} clients, each asking for a random tenant as soon as its previous answer came, for a while. */
    private static Result measure(Runner runner, int seconds) throws Exception {
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CLIENTS; c++) {
                Random random = new Random(c);
                clients.execute(() -> {
                    while (System.nanoTime() < end) {
                        long started = System.nanoTime();
                        boolean ok;
                        try {
                            ok = runner.run("t-" + random.nextInt(TENANTS));
                        } catch (Exception e) {
                            ok = false;
                        }
                        recorder.recordValue(Math.max(1, System.nanoTime() - started));
                        if (!ok) {
                            failed.incrementAndGet();
                        }
                    }
                });
            }
        }
        return new Result(recorder.getIntervalHistogram(), failed.get());
    }

    private static void print(String label, Result direct, Result r, int seconds, boolean baseline) {
        System.out.printf(
                "%-34s %10.0f %10.2f %10.2f %10.2f %10.2f %8d%n",
                label,
                r.h().getTotalCount() / (double) seconds,
                r.h().getValueAtPercentile(50) / 1e6,
                r.h().getValueAtPercentile(99) / 1e6,
                r.h().getValueAtPercentile(99.9) / 1e6,
                r.h().getMaxValue() / 1e6,
                r.failed());
    }

    /** Streams {@code n} events, spread evenly over [from, to), each tenant's keyed to its partition. */
    private static void produce(MeteringRig rig, long n, Instant from, Instant to) {
        Random random = new Random(42);
        long span = to.toEpochMilli() - from.toEpochMilli();
        try (KafkaProducer<String, byte[]> producer = rig.producer()) {
            for (long i = 0; i < n; i++) {
                byte[] event = MeteringRig.event(random, i, TENANTS, from.plusMillis(i * span / n));
                producer.send(new ProducerRecord<>(UsageTopics.USAGE_EVENTS, "t-" + (i % TENANTS), event));
            }
            producer.flush();
        }
    }
}
