package io.tokenmeter.loadgen;

import io.tokenmeter.localstack.LocalStack;
import io.tokenmeter.localstack.StackConfig;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The gateway's added latency. Runs the whole platform (its own PostgreSQL, Kafka and services), then, at a
 * constant request rate (open model), calls the simulated upstream directly and through the gateway, plain
 * and streaming, and prints p50/p99/p99.9 of each and the gateway's addition, for a tenant without a budget and for
 * one with a budget (every call reserved and settled in PostgreSQL) in the same run. Latency is measured from the
 * moment a request was due, not when it was sent, so a stall shows instead of being hidden (no coordinated
 * omission). Run: {@code ./infra/bench-gateway [seconds per run]}.
 */
public final class GatewayLatencyBenchmark {

    private static final int WARM_UP_SECONDS = 20;
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newVirtualThreadPerTaskExecutor())
            .build();

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int[] rates = java.util.Arrays.stream((args.length > 2 ? args[2] : "500,2000").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        StackConfig.Ports ports = StackConfig.Ports.free();
        Path state = Files.createTempDirectory("tokenmeter-bench-gateway");
        try (LocalStack stack = LocalStack.start(new StackConfig(home, state, ports, null, null))) {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(stack::close)); // Ctrl-C must not leave the platform running
            String admin = stack.demo("ADMIN_API_KEY");
            // two tenants alike but for a budget: the first has none (its calls cost one cache lookup), the second
            // a monthly budget it never reaches, so every call reserves and settles in PostgreSQL
            String key = benchKey(stack, admin, stack.demo("TENANT_ID"));
            String budgeted = post(
                            stack,
                            admin,
                            "/api/v1/admin/tenants",
                            "{\"name\":\"Bench Budgeted\",\"billing_country\":\"SG\",\"currency\":\"USD\"}")
                    .get("id")
                    .asString();
            String budgetedKey = benchKey(stack, admin, budgeted);
            post(
                    stack,
                    admin,
                    "/api/v1/budgets",
                    "{\"tenant_id\":\"" + budgeted + "\",\"kind\":\"monthly\",\"amount\":100000000}");
            String direct = "http://127.0.0.1:" + ports.simulator() + "/v1/chat/completions";
            String gateway = stack.gatewayUrl() + "/v1/chat/completions";
            String simulatorKey = "simulator-" + sha256(admin).substring(0, 16);
            String plain =
                    "{\"model\":\"glm-5\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"measure the gateway\"}]}";
            String streamed =
                    "{\"model\":\"glm-5\",\"stream\":true,\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"measure the gateway\"}]}";

            // a gateway runs for days: measure it with its code compiled, not while the JIT is still at work. The
            // rate ramps up: at full rate on a cold platform (every service still compiling) requests pile up faster
            // than they are answered, and the connections they hold can exhaust the gateway's heap
            Thread.sleep(20_000); // every service has just started and is still compiling: let the machine settle
            load(gateway, key, plain, 100, 10, new Recorder(3));
            load(gateway, key, plain, 250, 10, new Recorder(3));
            load(gateway, key, plain, 500, WARM_UP_SECONDS, new Recorder(3));
            load(gateway, key, streamed, 500, WARM_UP_SECONDS / 2, new Recorder(3));
            load(gateway, budgetedKey, plain, 500, WARM_UP_SECONDS / 2, new Recorder(3));
            System.out.println();
            System.out.printf(
                    "== gateway added latency, %d s per run after a %d s warm-up of the gateway, 2 cores shared by everything ==%n",
                    seconds, WARM_UP_SECONDS * 2 + 20);
            System.out.println(
                    "(gateway: a tenant without a budget; +budget: a tenant with one, every call reserved and settled)");
            System.out.printf(
                    "%-7s %-10s %-9s %10s %10s %10s %10s %8s%n",
                    "rate", "mode", "target", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors");
            java.util.List<String> cpu = new java.util.ArrayList<>();
            for (int rate : rates) {
                for (String mode : new String[] {"plain", "streaming"}) {
                    String body = mode.equals("plain") ? plain : streamed;
                    Result d =
                            run(direct, simulatorKey, body, rate, seconds, () -> stack.cpuTime("upstream-simulator"));
                    Result g = run(gateway, key, body, rate, seconds, () -> stack.cpuTime("api-gateway"));
                    Result b = run(gateway, budgetedKey, body, rate, seconds, () -> stack.cpuTime("api-gateway"));
                    print(rate, mode, "direct", d);
                    print(rate, mode, "gateway", g);
                    print(rate, mode, "+budget", b);
                    added(rate, mode, "added", g, d);
                    added(rate, mode, "+budget", b, d);
                    System.out.printf(
                            "%-7s %-10s %-9s %10.2f %10.2f %10.2f   (p50, p99, p99.9 with a budget / without)%n",
                            rate, mode, "ratio", ratio(b, g, 50), ratio(b, g, 99), ratio(b, g, 99.9));
                    cpu.add(String.format(
                            "%-7s %-10s CPU ms per call: gateway %.3f, with a budget %.3f, simulator %.3f, load generator %.3f (direct) / %.3f (via gateway)",
                            rate,
                            mode,
                            g.targetCpuMsPerCall,
                            b.targetCpuMsPerCall,
                            d.targetCpuMsPerCall,
                            d.generatorCpuMsPerCall,
                            g.generatorCpuMsPerCall));
                }
            }
            System.out.println();
            System.out.println(
                    "What each call cost in CPU (the machine has 2 cores, so 1 ms per call is 1/2 of it at 1,000 calls/s):");
            cpu.forEach(System.out::println);
        }
    }

    record Result(Histogram h, long errors, double targetCpuMsPerCall, double generatorCpuMsPerCall) {}

    /** @param targetCpu the CPU time used so far by the process answering (the simulator or the gateway) */
    private static Result run(
            String url,
            String key,
            String body,
            int rate,
            int seconds,
            java.util.function.Supplier<java.util.Optional<java.time.Duration>> targetCpu)
            throws Exception {
        load(url, key, body, rate, 3, new Recorder(3)); // warm-up, discarded
        Recorder recorder = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        long targetBefore = cpuNanos(targetCpu.get());
        long generatorBefore = cpuNanos(ProcessHandle.current().info().totalCpuDuration());
        long errors = load(url, key, body, rate, seconds, recorder);
        long calls = (long) rate * seconds;
        return new Result(
                recorder.getIntervalHistogram(),
                errors,
                (cpuNanos(targetCpu.get()) - targetBefore) / 1e6 / calls,
                (cpuNanos(ProcessHandle.current().info().totalCpuDuration()) - generatorBefore) / 1e6 / calls);
    }

    private static long cpuNanos(java.util.Optional<java.time.Duration> cpu) {
        return cpu.map(java.time.Duration::toNanos).orElse(0L);
    }

    /** Sends {@code rate} requests per second for {@code seconds}, each timed from when it was due. */
    private static long load(String url, String key, String body, int rate, int seconds, Recorder recorder)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long total = (long) rate * seconds;
        AtomicLong errors = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean gaveUp = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<?>[] pending = new CompletableFuture<?>[(int) total];
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            long due = start + i * interval;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(Math.min(due - now, 200_000));
            }
            pending[(int) i] = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                    .handle((r, e) -> {
                        if (gaveUp.get()) {
                            return null; // already counted as unanswered
                        }
                        recorder.recordValue(Math.max(1, System.nanoTime() - due)); // a failure took this long too
                        if (e != null || r.statusCode() != 200) {
                            errors.incrementAndGet();
                        }
                        return null;
                    });
        }
        try {
            CompletableFuture.allOf(pending).get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            gaveUp.set(true);
            for (CompletableFuture<?> p : pending) {
                if (!p.isDone()) {
                    recorder.recordValue(
                            TimeUnit.SECONDS.toNanos(60)); // unanswered: counted, at the longest time we waited
                    errors.incrementAndGet();
                    p.cancel(true);
                }
            }
        }
        return errors.get();
    }

    private static void added(int rate, String mode, String label, Result g, Result d) {
        System.out.printf(
                "%-7s %-10s %-9s %10.3f %10.3f %10.3f%n",
                rate,
                mode,
                label,
                ms(g.h.getValueAtPercentile(50)) - ms(d.h.getValueAtPercentile(50)),
                ms(g.h.getValueAtPercentile(99)) - ms(d.h.getValueAtPercentile(99)),
                ms(g.h.getValueAtPercentile(99.9)) - ms(d.h.getValueAtPercentile(99.9)));
    }

    private static double ratio(Result a, Result b, double percentile) {
        return (double) a.h.getValueAtPercentile(percentile) / b.h.getValueAtPercentile(percentile);
    }

    private static tools.jackson.databind.JsonNode post(LocalStack stack, String admin, String path, String body)
            throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + path))
                        .header("Authorization", "Bearer " + admin)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 201) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return new tools.jackson.databind.json.JsonMapper().readTree(response.body());
    }

    /** A key of the tenant whose rate limit the benchmark never reaches. */
    private static String benchKey(LocalStack stack, String admin, String tenant) throws Exception {
        return post(
                        stack,
                        admin,
                        "/api/v1/admin/tenants/" + tenant + "/api-keys",
                        "{\"name\":\"bench\",\"requests_per_minute\":100000000}")
                .get("key")
                .asString();
    }

    private static void print(int rate, String mode, String target, Result r) {
        System.out.printf(
                "%-7s %-10s %-9s %10.3f %10.3f %10.3f %10.3f %8d%n",
                rate,
                mode,
                target,
                ms(r.h.getValueAtPercentile(50)),
                ms(r.h.getValueAtPercentile(99)),
                ms(r.h.getValueAtPercentile(99.9)),
                ms(r.h.getMaxValue()),
                r.errors);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static String sha256(String value) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
