package io.tokenmeter.localstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The whole platform on one machine: PostgreSQL and Kafka (started here unless configured), the topics,
 * the simulated upstream, the four services and the demo tenants. {@code ./infra/start} runs {@link #main};
 * the end-to-end tests use {@link #start} with the test run's shared broker and database.
 */
public final class LocalStack implements AutoCloseable {

    /** The services in start order; the gateway last, since it fronts the others (the console among them). */
    public static final List<String> SERVICES =
            List.of("metering-service", "pricing-service", "billing-service", "console", "api-gateway");

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(180);

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    private final StackConfig config;
    private final Map<String, ManagedProcess> processes = new LinkedHashMap<>();
    /** Further instances of a service, by their own name (for tests of scaling out): which service, which port. */
    private final Map<String, Instance> instances = new LinkedHashMap<>();

    private record Instance(String service, int port, Map<String, String> settings) {}

    private final List<AutoCloseable> infrastructure = new ArrayList<>();
    private String kafka;
    private KafkaSecurity kafkaSecurity;
    private PostgresServer postgres;
    private DemoSetup demo;

    private LocalStack(StackConfig config) {
        this.config = config;
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path state = home.resolve(".tokenmeter");
        String kafka = blankToNull(System.getenv("KAFKA_BOOTSTRAP_SERVERS"));
        String pgUrl = blankToNull(System.getenv("TOKENMETER_POSTGRES_URL"));
        PostgresServer postgres = pgUrl == null
                ? null
                : PostgresServer.existing(
                        pgUrl,
                        System.getenv().getOrDefault("TOKENMETER_POSTGRES_USER", "postgres"),
                        System.getenv().getOrDefault("TOKENMETER_POSTGRES_PASSWORD", ""));
        LocalStack stack = new LocalStack(new StackConfig(home, state, StackConfig.Ports.standard(), kafka, postgres));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("stopping TokenMeter ...");
            stack.close();
            say("stopped; data kept in " + state);
            stopped.countDown();
        }));
        try {
            stack.startAll();
        } catch (Exception e) {
            say("FAILED: " + e.getMessage());
            System.exit(1);
        }
        stack.printWelcome();
        stopped.await();
    }

    /**
     * Starts everything and returns when the gateway answers, the demo tenants exist and the demo prices are in force.
     */
    public static LocalStack start(StackConfig config) throws Exception {
        LocalStack stack = new LocalStack(config);
        try {
            stack.startAll();
            return stack;
        } catch (Exception e) {
            stack.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        Files.createDirectories(config.state().resolve("logs"));
        demo = DemoSetup.load(config.state());
        StackConfig.Ports ports = config.ports();

        if (config.postgres() != null) {
            postgres = config.postgres();
            say("PostgreSQL: using " + postgres.baseUrl());
        } else {
            say("PostgreSQL: starting on port " + ports.postgres() + " (data in "
                    + config.state().resolve("postgres") + ") ...");
            postgres = PostgresServer.start(config.state().resolve("postgres"), ports.postgres(), true);
            infrastructure.add(postgres);
        }
        if (config.kafka() != null) {
            kafka = config.kafka();
            kafkaSecurity = config.kafkaSecurity();
            say("Kafka: using " + kafka
                    + (kafkaSecurity == null ? " (no SASL: as it is configured)" : " (SASL and ACLs)"));
        } else {
            kafkaSecurity = demo.kafkaSecurity();
            say("Kafka: starting a KRaft broker on port " + ports.kafka() + ", SASL and ACLs on (log " + log("kafka")
                    + ") ...");
            KafkaBroker broker = KafkaBroker.start(
                    config.home().resolve("infra/kafka-broker/target/lib"),
                    config.state().resolve("kafka"),
                    ports.kafka(),
                    ports.kafkaController(),
                    log("kafka"),
                    kafkaSecurity);
            infrastructure.add(broker);
            kafka = broker.bootstrapServers();
        }
        say("Kafka: creating topics from infra/kafka/topics.txt");
        TopicDefinitions.createMissing(kafka, kafkaClient());
        if (kafkaSecurity != null) {
            kafkaSecurity.provision(kafka); // the services' users and what each may do
        }

        String simulatorKey = simulatorKey();
        Path simulatorTarget = config.home().resolve("infra/upstream-simulator/target");
        requireFile(simulatorTarget.resolve("upstream-simulator-0.1.0-SNAPSHOT.jar"));
        List<String> simulator = new ArrayList<>(List.of(
                ManagedProcess.javaExecutable(),
                "-Xmx256m",
                "-cp",
                simulatorTarget.resolve("upstream-simulator-0.1.0-SNAPSHOT.jar") + ":" + simulatorTarget.resolve("lib")
                        + "/*",
                "io.tokenmeter.simulator.UpstreamSimulator"));
        start(
                        "upstream-simulator",
                        simulator,
                        Map.of("PORT", Integer.toString(ports.simulator()), "SIMULATOR_API_KEY", simulatorKey))
                .awaitHttpOk("http://127.0.0.1:" + ports.simulator() + "/health", READY_TIMEOUT);

        for (String service : SERVICES) {
            startService(service, simulatorKey);
        }
        for (String service : SERVICES) {
            awaitReady(service);
            say(service + ": up at " + url(service) + " (log " + log(service) + ")");
        }
        demo.ensureTenants(gatewayUrl());
        demo.publish(gatewayUrl()); // demo.env appears only now, whole, with the demo prices in force
    }

    private void startService(String service, String simulatorKey) throws IOException {
        startService(service, service, port(service), simulatorKey);
    }

    /** Starts {@code service} as the process {@code name} listening on {@code port}. */
    private void startService(String service, String name, int port, String simulatorKey) throws IOException {
        Path jar = config.home().resolve(service).resolve("target").resolve(service + ".jar");
        requireFile(jar);
        StackConfig.Ports ports = config.ports();
        Map<String, String> env = new HashMap<>();
        env.put("PORT", Integer.toString(port));
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka);
        if (kafkaSecurity != null && KafkaSecurity.USERS.containsKey(service)) { // pricing does not use Kafka
            env.put("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT");
            env.put("KAFKA_SASL_MECHANISM", KafkaSecurity.SCRAM);
            env.put("KAFKA_SASL_JAAS_CONFIG", kafkaSecurity.scramJaas(KafkaSecurity.USERS.get(service)));
        }
        // every service trusts the gateway's and billing's public keys; only the gateway listens beyond this machine
        env.put("TOKENMETER_GATEWAY_PUBLIC_KEY", demo.get("TOKENMETER_GATEWAY_PUBLIC_KEY"));
        env.put("TOKENMETER_BILLING_PUBLIC_KEY", demo.get("TOKENMETER_BILLING_PUBLIC_KEY"));
        if (!service.equals("api-gateway")) {
            env.put("SERVER_ADDRESS", "127.0.0.1");
        }
        switch (service) {
            case "metering-service" -> database(env, "METERING", "metering");
            case "pricing-service" -> database(env, "PRICING", "pricing");
            case "billing-service" -> {
                database(env, "BILLING", "billing");
                env.put("TOKENMETER_BILLING_PRIVATE_KEY", demo.get("TOKENMETER_BILLING_PRIVATE_KEY"));
                env.put("METERING_URL", "http://127.0.0.1:" + ports.metering());
                env.put("PRICING_URL", "http://127.0.0.1:" + ports.pricing());
                env.put("TOKENMETER_WEBHOOK_SECRET_KEY", demo.get("TOKENMETER_WEBHOOK_SECRET_KEY"));
                env.put(
                        "TOKENMETER_WEBHOOK_ALLOWED_HOSTS",
                        "127.0.0.1,localhost"); // webhooks to a receiver on this machine
            }
            case "console" -> {
                // the console calls the platform through the gateway, as a browser's user would with curl
                env.put("GATEWAY_URL", "http://127.0.0.1:" + ports.gateway());
                env.put("TOKENMETER_CONSOLE_SECURE_COOKIE", "false"); // plain http on this machine only
            }
            case "api-gateway" -> {
                database(env, "GATEWAY", "gateway");
                env.put("CONSOLE_URL", "http://127.0.0.1:" + ports.console());
                env.put("TOKENMETER_GATEWAY_PRIVATE_KEY", demo.get("TOKENMETER_GATEWAY_PRIVATE_KEY"));
                env.put("TOKENMETER_UPSTREAM_CREDENTIALS_KEY", demo.get("TOKENMETER_UPSTREAM_CREDENTIALS_KEY"));
                env.put("SPRING_PROFILES_ACTIVE", "local");
                env.put("METERING_URL", "http://127.0.0.1:" + ports.metering());
                env.put("PRICING_URL", "http://127.0.0.1:" + ports.pricing());
                env.put("BILLING_URL", "http://127.0.0.1:" + ports.billing());
                env.put("UPSTREAM_SIMULATOR_URL", "http://127.0.0.1:" + ports.simulator() + "/v1");
                env.put("UPSTREAM_SIMULATOR_DEEPSEEK_URL", "http://127.0.0.1:" + ports.simulator() + "/deepseek/v1");
                env.put("UPSTREAM_SIMULATOR_ANTHROPIC_URL", "http://127.0.0.1:" + ports.simulator() + "/anthropic");
                env.put("UPSTREAM_SIMULATOR_API_KEY", simulatorKey);
                env.put("TOKENMETER_BOOTSTRAP_ADMIN_KEY_SHA256", demo.adminKeySha256());
                env.put( // a spool per process: two processes never share one
                        "TOKENMETER_GATEWAY_SPOOL_DIRECTORY",
                        config.state()
                                .resolve(name.equals(service) ? "spool" : "spool-" + name)
                                .toString());
            }
            default -> {}
        }
        Instance instance = instances.get(name);
        if (instance != null) {
            env.putAll(instance.settings());
        }
        List<String> command = new ArrayList<>(List.of(ManagedProcess.javaExecutable(), "-Xms256m", "-Xmx1g"));
        command.addAll(ManagedProcess.jvmFlags());
        command.addAll(List.of("-jar", jar.toString()));
        say(name + ": starting on port " + port + " ...");
        start(name, command, env);
    }

    /** The credential the gateway presents to the simulator: stable per installation, never a real key. */
    private String simulatorKey() {
        return "simulator-" + demo.adminKeySha256().substring(0, 16);
    }

    /**
     * The service connects as its database's application role; the owner role runs its migrations. Never the
     * superuser.
     */
    private void database(Map<String, String> env, String prefix, String name) {
        PostgresServer.ServiceDatabase db = postgres.ensureServiceDatabase(
                name, demo.databasePassword(name, "owner"), demo.databasePassword(name, "app"));
        env.put(prefix + "_DB_URL", db.url());
        env.put(prefix + "_DB_USER", db.appUser());
        env.put(prefix + "_DB_PASSWORD", db.appPassword());
        env.put(prefix + "_DB_OWNER_USER", db.ownerUser());
        env.put(prefix + "_DB_OWNER_PASSWORD", db.ownerPassword());
    }

    private ManagedProcess start(String name, List<String> command, Map<String, String> env) throws IOException {
        ManagedProcess process = ManagedProcess.start(name, command, env, log(name));
        processes.put(name, process);
        return process;
    }

    /** SIGKILLs a service, as a crash would; {@link #restart} brings it back. For tests. */
    public void kill(String service) throws InterruptedException {
        processes.get(service).kill();
    }

    public void restart(String service) throws IOException {
        processes.get(service).close();
        Instance instance = instances.get(service);
        if (instance == null) {
            startService(service, simulatorKey());
        } else {
            startService(instance.service(), service, instance.port(), simulatorKey());
        }
        awaitReady(service);
    }

    /**
     * Starts one more instance of {@code service} as the process {@code name} on a port of its own, sharing the
     * service's database, broker and consumer groups; returns its URL. {@link #kill}, {@link #restart} and
     * {@link #stop} take its name. For tests of scaling out.
     */
    public String startInstance(String service, String name) throws IOException {
        return startInstance(service, name, Map.of());
    }

    /** As {@link #startInstance(String, String)}, with settings of its own (environment variables). */
    public String startInstance(String service, String name, Map<String, String> settings) throws IOException {
        if (processes.containsKey(name)) {
            throw new IllegalArgumentException(name + " is running already");
        }
        int port = StackConfig.Ports.freePort();
        instances.put(name, new Instance(service, port, Map.copyOf(settings)));
        startService(service, name, port, simulatorKey());
        awaitReady(name);
        say(name + ": up at " + url(name) + " (log " + log(name) + ")");
        return url(name);
    }

    /** Stops a further instance started by {@link #startInstance}, as a shutdown would. */
    public void stop(String name) {
        Instance instance = instances.remove(name);
        if (instance == null) {
            throw new IllegalArgumentException(name + " is not a further instance");
        }
        processes.remove(name).close();
    }

    /**
     * Readiness, not health: health answers as soon as the web server listens, before the application runners
     * (the gateway's bootstrap admin key among them) have run, and a demo setup racing them got 401.
     */
    private void awaitReady(String service) {
        processes.get(service).awaitHttpOk(url(service) + "/actuator/health/readiness", READY_TIMEOUT);
    }

    /** The CPU time a service or the simulator has used so far; for benchmarks. */
    public java.util.Optional<Duration> cpuTime(String process) {
        return processes.get(process).cpuTime();
    }

    /** The peak resident memory of a service so far; for benchmarks. */
    public java.util.Optional<Long> peakResidentBytes(String process) {
        return processes.get(process).peakResidentBytes();
    }

    public String gatewayUrl() {
        return url("api-gateway");
    }

    /** A service's own URL (its actuator, for tests and benchmarks); only the gateway's is meant for clients. */
    public String serviceUrl(String service) {
        return url(service);
    }

    /** A Kafka client's security settings for this stack's broker: the super user's where it has SASL, else none. */
    public Map<String, Object> kafkaClient() {
        return kafkaSecurity == null ? Map.of() : kafkaSecurity.adminClient();
    }

    /** This stack's broker's users and super user; null where the broker is open. */
    public KafkaSecurity kafkaSecurity() {
        return kafkaSecurity;
    }

    public String kafkaBootstrapServers() {
        return kafka;
    }

    /** A value of demo.env: TENANT_API_KEY, TENANT_B_API_KEY, FINANCE_API_KEY, ADMIN_API_KEY, TENANT_ID, ... */
    public String demo(String name) {
        return demo.get(name);
    }

    private String url(String service) {
        Instance instance = instances.get(service);
        return "http://127.0.0.1:" + (instance == null ? port(service) : instance.port());
    }

    private int port(String service) {
        StackConfig.Ports p = config.ports();
        return switch (service) {
            case "api-gateway" -> p.gateway();
            case "metering-service" -> p.metering();
            case "pricing-service" -> p.pricing();
            case "billing-service" -> p.billing();
            case "console" -> p.console();
            default -> throw new IllegalArgumentException(service);
        };
    }

    private Path log(String name) {
        return config.state().resolve("logs").resolve(name + ".log");
    }

    private void printWelcome() {
        say("");
        say("TokenMeter is running. Gateway: " + gatewayUrl());
        say("Console: " + gatewayUrl() + "/console (sign in with a key from demo.env); API reference: " + gatewayUrl()
                + "/docs");
        say("Demo keys and URLs: " + config.state().resolve("demo.env") + " (source it in your shell)");
        say("Logs: " + config.state().resolve("logs"));
        say("");
        say("Try it:");
        say("  . " + config.home().relativize(config.state().resolve("demo.env"))
                + " && curl -s $GATEWAY_URL/v1/chat/completions \\");
        say("    -H \"Authorization: Bearer $TENANT_API_KEY\" -H 'Content-Type: application/json' \\");
        say(
                "    -d '{\"model\":\"deepseek-v3.2\",\"max_tokens\":32,\"messages\":[{\"role\":\"user\",\"content\":\"Hello from TokenMeter\"}]}'");
        say(
                "  curl -s \"$GATEWAY_URL/api/v1/usage?granularity=hour&group_by=model\" -H \"Authorization: Bearer $TENANT_API_KEY\"");
        say("");
        say("Ctrl-C stops everything; the next start reuses the data and the same keys.");
    }

    private static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(file + " is missing; build first: ./mvnw -DskipTests package");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static void say(String line) {
        System.out.println("[tokenmeter] " + line);
    }

    /** Stops everything once; safe to call again (from a shutdown hook and a try-with-resources both). */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        List<ManagedProcess> running = new ArrayList<>(processes.values());
        java.util.Collections.reverse(running);
        running.forEach(ManagedProcess::close);
        List<AutoCloseable> infra = new ArrayList<>(infrastructure);
        java.util.Collections.reverse(infra);
        for (AutoCloseable c : infra) {
            try {
                c.close();
            } catch (Exception e) {
                say("while stopping: " + e.getMessage());
            }
        }
    }
}
