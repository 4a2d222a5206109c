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
 * The gateway's added latency and cost per call. Runs the whole platform (its own PostgreSQL, Kafka and services),
 * then, at a constant request rate (open model), calls the simulated upstream directly and through the gateway in
 * the same run, interleaved (each at the rate), plain and streaming, and prints p50/p99/p99.9 of each and their
 * difference per percentile from that run: once for a tenant without a budget and once for one with a budget. CPU
 * per call in microseconds per process: the gateway's per gateway call, the simulator's per call it answered in the
 * same run (it parses HTTP and writes JSON per call too, a yardstick on a machine whose speed drifts), and their
 * ratio. Latency is measured from the moment a request was due, not when it was sent, so a stall shows instead of
 * being hidden (no coordinated omission). Run: {@code ./infra/bench-gateway [seconds per run] [rates]}.
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
            // a monthly budget it never reaches, so every call is held on the gateway's lease of it
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
            load(gateway, key, plain, 100, 10);
            load(gateway, key, plain, 250, 10);
            load(gateway, key, plain, 500, WARM_UP_SECONDS);
            load(gateway, key, streamed, 500, WARM_UP_SECONDS / 2);
            load(gateway, budgetedKey, plain, 500, WARM_UP_SECONDS / 2);
            System.out.println();
            System.out.printf(
                    "== gateway added latency, %d s per run after a %d s warm-up of the gateway, 2 cores shared by everything ==%n",
                    seconds, WARM_UP_SECONDS * 2 + 20);
            System.out.println("(each run interleaves direct calls to the simulator and calls through the gateway,"
                    + " each at the rate; +budget: a tenant with a budget, every call held on a lease and settled)");
            System.out.printf(
                    "%-7s %-10s %-9s %10s %10s %10s %10s %8s%n",
                    "rate", "mode", "target", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "errors");
            java.util.List<String> cpu = new java.util.ArrayList<>();
            java.util.List<String> trips = new java.util.ArrayList<>();
            java.util.Map<String, Integer> under50 = new java.util.TreeMap<>();
            for (int rate : rates) {
                for (String mode : new String[] {"plain", "streaming"}) {
                    String body = mode.equals("plain") ? plain : streamed;
                    Target d = new Target("direct", direct, simulatorKey, body);
                    Pair g = pair(stack, d, new Target("gateway", gateway, key, body), rate, seconds);
                    double renewalsBefore =
                            counter(stack, "tokenmeter_budget_lease_renewals_total", "trigger=\"call\"");
                    double heldBefore = counter(stack, "tokenmeter_budget_reservations_total", "outcome=\"reserved\"");
                    Pair b = pair(stack, d, new Target("+budget", gateway, budgetedKey, body), rate, seconds);
                    double renewals = counter(stack, "tokenmeter_budget_lease_renewals_total", "trigger=\"call\"")
                            - renewalsBefore;
                    double held =
                            counter(stack, "tokenmeter_budget_reservations_total", "outcome=\"reserved\"") - heldBefore;
                    trips.add(String.format(
                            "%-7s %-10s %.0f budgeted calls, %.0f waited for a lease renewal (%.4f per call)",
                            rate, mode, held, renewals, held == 0 ? 0 : renewals / held));
                    for (Pair p : new Pair[] {g, b}) {
                        print(rate, mode, "direct", p.direct());
                        print(rate, mode, p.name(), p.viaGateway());
                        added(rate, mode, "added", p.viaGateway(), p.direct());
                    }
                    System.out.printf(
                            "%-7s %-10s %-9s %10.2f %10.2f %10.2f   (p50, p99, p99.9 with a budget / without)%n",
                            rate,
                            mode,
                            "ratio",
                            ratio(b.viaGateway(), g.viaGateway(), 50),
                            ratio(b.viaGateway(), g.viaGateway(), 99),
                            ratio(b.viaGateway(), g.viaGateway(), 99.9));
                    for (Pair p : new Pair[] {g, b}) {
                        cpu.add(String.format(
                                "%-7s %-10s %-8s gateway %6.0f us, simulator %6.0f us, ratio %5.1f; load generator %6.0f us",
                                rate,
                                mode,
                                p.name(),
                                p.gatewayCpuMicrosPerCall(),
                                p.simulatorCpuMicrosPerCall(),
                                p.gatewayCpuMicrosPerCall() / p.simulatorCpuMicrosPerCall(),
                                p.generatorCpuMicrosPerCall()));
                    }
                    if (g.viaGateway().errors() == 0 && ms(g.viaGateway().h().getValueAtPercentile(99)) < 50) {
                        under50.merge(mode, rate, Math::max);
                    }
                }
            }
            System.out.println();
            System.out.println(
                    "CPU per call, per process (the simulator's per call it answered, direct or forwarded):");
            cpu.forEach(System.out::println);
            System.out.println();
            System.out.println("Database round trips on the budgeted calls' path (a call that did not fit its lease):");
            trips.forEach(System.out::println);
            System.out.println();
            for (String mode : new String[] {"plain", "streaming"}) {
                System.out.printf(
                        "highest rate measured with the gateway's p99 under 50 ms, %s: %s%n",
                        mode,
                        under50.containsKey(mode)
                                ? under50.get(mode) + " req/s"
                                : "none of " + java.util.Arrays.toString(rates));
            }
        }
    }

    record Target(String name, String url, String key, String body) {}

    record Result(Histogram h, long errors) {}

    /** One run: direct and via-gateway calls interleaved, and what each process spent per call meanwhile. */
    record Pair(
            String name,
            Result direct,
            Result viaGateway,
            double gatewayCpuMicrosPerCall,
            double simulatorCpuMicrosPerCall,
            double generatorCpuMicrosPerCall) {}

    private static Pair pair(LocalStack stack, Target direct, Target viaGateway, int rate, int seconds)
            throws Exception {
        java.util.List<Target> targets = java.util.List.of(direct, viaGateway);
        interleave(targets, rate, 3, null); // warm-up, discarded
        long gatewayBefore = cpuNanos(stack.cpuTime("api-gateway"));
        long simulatorBefore = cpuNanos(stack.cpuTime("upstream-simulator"));
        long generatorBefore = cpuNanos(ProcessHandle.current().info().totalCpuDuration());
        Result[] results = interleave(targets, rate, seconds, TimeUnit.SECONDS.toNanos(60));
        long calls = (long) rate * seconds; // per target
        return new Pair(
                viaGateway.name(),
                results[0],
                results[1],
                (cpuNanos(stack.cpuTime("api-gateway")) - gatewayBefore) / 1e3 / calls,
                // the simulator answers the direct calls and the forwarded ones
                (cpuNanos(stack.cpuTime("upstream-simulator")) - simulatorBefore) / 1e3 / (2.0 * calls),
                (cpuNanos(ProcessHandle.current().info().totalCpuDuration()) - generatorBefore) / 1e3 / (2.0 * calls));
    }

    private static long cpuNanos(java.util.Optional<java.time.Duration> cpu) {
        return cpu.map(java.time.Duration::toNanos).orElse(0L);
    }

    /** Sends {@code rate} requests per second for {@code seconds} (a warm-up: its figures are discarded). */
    private static long load(String url, String key, String body, int rate, int seconds) throws Exception {
        return interleave(java.util.List.of(new Target("warm-up", url, key, body)), rate, seconds, null)[0].errors();
    }

    /**
     * Sends {@code rate} requests per second to each target for {@code seconds}, the targets' requests staggered
     * evenly between each other's, each timed from when it was due. {@code highest}: the histograms' range (null for
     * a warm-up whose figures are discarded).
     */
    private static Result[] interleave(java.util.List<Target> targets, int rate, int seconds, Long highest)
            throws Exception {
        int n = targets.size();
        HttpRequest[] requests = new HttpRequest[n];
        Recorder[] recorders = new Recorder[n];
        AtomicLong[] errors = new AtomicLong[n];
        for (int k = 0; k < n; k++) {
            Target t = targets.get(k);
            requests[k] = HttpRequest.newBuilder(URI.create(t.url()))
                    .header("Authorization", "Bearer " + t.key())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(t.body()))
                    .build();
            recorders[k] = highest == null ? new Recorder(3) : new Recorder(highest, 3);
            errors[k] = new AtomicLong();
        }
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        long total = (long) rate * seconds * n;
        java.util.concurrent.atomic.AtomicBoolean gaveUp = new java.util.concurrent.atomic.AtomicBoolean();
        CompletableFuture<?>[] pending = new CompletableFuture<?>[(int) total];
        long start = System.nanoTime();
        for (long i = 0; i < total; i++) {
            int k = (int) (i % n);
            long due = start + (i / n) * interval + k * interval / n;
            long now;
            while ((now = System.nanoTime()) < due) {
                LockSupport.parkNanos(Math.min(due - now, 200_000));
            }
            Recorder recorder = recorders[k];
            AtomicLong failed = errors[k];
            pending[(int) i] = HTTP.sendAsync(requests[k], HttpResponse.BodyHandlers.ofByteArray())
                    .handle((r, e) -> {
                        if (gaveUp.get()) {
                            return null; // already counted as unanswered
                        }
                        recorder.recordValue(Math.max(1, System.nanoTime() - due)); // a failure took this long too
                        if (e != null || r.statusCode() != 200) {
                            failed.incrementAndGet();
                        }
                        return null;
                    });
        }
        try {
            CompletableFuture.allOf(pending).get(60, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            gaveUp.set(true);
            for (int i = 0; i < pending.length; i++) {
                if (!pending[i].isDone()) {
                    // unanswered: counted, at the longest time we waited
                    recorders[i % n].recordValue(TimeUnit.SECONDS.toNanos(60));
                    errors[i % n].incrementAndGet();
                    pending[i].cancel(true);
                }
            }
        }
        Result[] results = new Result[n];
        for (int k = 0; k < n; k++) {
            results[k] = new Result(recorders[k].getIntervalHistogram(), errors[k].get());
        }
        return results;
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

    /** The sum of a counter's series on the gateway's Prometheus page that carry {@code label}; 0 when absent. */
    private static double counter(LocalStack stack, String name, String label) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(stack.gatewayUrl() + "/actuator/prometheus"))
                        .header("Authorization", "Bearer " + stack.demo("ADMIN_API_KEY")) // the actuator is for admins
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("the gateway's metrics answered " + response.statusCode());
        }
        String page = response.body();
        double sum = 0;
        for (String line : page.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private static String sha256(String value) throws Exception {
        return java.util.HexFormat.of()
                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
