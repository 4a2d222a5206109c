package io.tokenmeter.localstack;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The demo installation: an admin key made before the gateway starts (the gateway learns only its hash),
 * then, through the gateway's own admin API, tenants A and B with a key each and a finance key, demo prices and a
 * demo issuer. What it makes is kept in {@code launcher.env} as it is made (so a start that fails half-way reuses
 * it), and {@code demo.env}, what users source, is written once, whole, when everything it promises works: a start
 * removes it first, and {@link #publish} writes it atomically after the demo prices are in force.
 */
public final class DemoSetup {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final java.time.Duration PRICES_IN_FORCE_TIMEOUT = java.time.Duration.ofSeconds(60);

    private final Path file;
    private final Path published;
    private final Map<String, String> values = new LinkedHashMap<>();

    private DemoSetup(Path file, Path published) {
        this.file = file;
        this.published = published;
    }

    /**
     * Reads what an earlier start made, creating the admin key and internal secret on first use; unpublishes demo.env.
     */
    public static DemoSetup load(Path state) throws IOException {
        DemoSetup demo = new DemoSetup(state.resolve("launcher.env"), state.resolve("demo.env"));
        Path source = Files.exists(demo.file) ? demo.file : demo.published; // installations of before launcher.env
        if (Files.exists(source)) {
            for (String line : Files.readAllLines(source)) {
                int eq = line.indexOf('=');
                if (!line.startsWith("#") && eq > 0) {
                    demo.values.put(
                            line.substring(0, eq), line.substring(eq + 1).replace("'", ""));
                }
            }
        }
        demo.values.putIfAbsent("ADMIN_API_KEY", "tm_" + random(32));
        demo.values.remove("TOKENMETER_INTERNAL_SECRET"); // installations of before per-caller keys
        for (String caller :
                new String[] {"GATEWAY", "BILLING"}) { // each calling process signs with a key only it holds
            if (!demo.values.containsKey("TOKENMETER_" + caller + "_PRIVATE_KEY")) {
                java.security.KeyPair pair = ed25519KeyPair();
                demo.values.put(
                        "TOKENMETER_" + caller + "_PRIVATE_KEY",
                        Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()));
                demo.values.put(
                        "TOKENMETER_" + caller + "_PUBLIC_KEY",
                        Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()));
            }
        }
        demo.values.putIfAbsent(
                "TOKENMETER_WEBHOOK_SECRET_KEY", Base64.getEncoder().encodeToString(randomBytes(32)));
        demo.values.putIfAbsent(
                "TOKENMETER_UPSTREAM_CREDENTIALS_KEY", Base64.getEncoder().encodeToString(randomBytes(32)));
        demo.save();
        Files.deleteIfExists(demo.published); // until this start has made everything in it work again
        return demo;
    }

    /**
     * Writes {@code demo.env} (atomically: a reader sees all of it or none) once the demo prices are in force, so that
     * its first budgeted call is priced rather than refused; fails if they do not come into force in time.
     */
    public void publish(String gatewayUrl) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + PRICES_IN_FORCE_TIMEOUT.toNanos();
        String why = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> card = HTTP.send(
                    HttpRequest.newBuilder(URI.create(gatewayUrl + "/api/v1/rating/rate-card"))
                            .header("Authorization", "Bearer " + values.get("TENANT_API_KEY"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (card.statusCode() == 200
                    && !JSON.readTree(card.body()).path("rates").isEmpty()) {
                Path temporary = published.resolveSibling("demo.env.tmp");
                write(temporary, PUBLISHED); // the platform's own keys stay in launcher.env
                Files.move(
                        temporary,
                        published,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                return;
            }
            why = card.statusCode() + " " + card.body();
            Thread.sleep(200);
        }
        throw new IllegalStateException("demo setup: the demo prices did not come into force within "
                + PRICES_IN_FORCE_TIMEOUT.toSeconds() + " s (rate card: " + why + ")");
    }

    public String get(String name) {
        return values.get(name);
    }

    /** The password of a service database's role ({@code owner} or {@code app}), made on first use and kept. */
    public String databasePassword(String database, String role) {
        String name = "TOKENMETER_" + database.toUpperCase(java.util.Locale.ROOT) + "_DB_"
                + role.toUpperCase(java.util.Locale.ROOT) + "_PASSWORD";
        String password = values.computeIfAbsent(name, n -> random(24));
        try {
            save();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return password;
    }

    /** The broker's super user and the services' Kafka users, with passwords made on first use and kept. */
    public KafkaSecurity kafkaSecurity() {
        Map<String, String> passwords = new java.util.TreeMap<>();
        for (String user : KafkaSecurity.USERS.values()) {
            passwords.put(
                    user,
                    values.computeIfAbsent(
                            "TOKENMETER_KAFKA_" + user.toUpperCase(java.util.Locale.ROOT) + "_PASSWORD",
                            n -> random(24)));
        }
        String admin = values.computeIfAbsent("TOKENMETER_KAFKA_ADMIN_PASSWORD", n -> random(24));
        try {
            save();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new KafkaSecurity(admin, passwords);
    }

    public String adminKeySha256() {
        return sha256(values.get("ADMIN_API_KEY"));
    }

    /** Makes sure tenants A and B, their keys and a finance key exist and work; creates what is missing. */
    public void ensureTenants(String gatewayUrl) throws IOException, InterruptedException {
        values.put("GATEWAY_URL", gatewayUrl);
        if (!works(gatewayUrl, values.get("TENANT_API_KEY"))
                || !works(gatewayUrl, values.get("TENANT_B_API_KEY"))
                || !works(gatewayUrl, values.get("FINANCE_API_KEY"))) {
            String admin = values.get("ADMIN_API_KEY");
            String a = post(
                            gatewayUrl + "/api/v1/admin/tenants",
                            admin,
                            "{\"name\":\"Tenant A (Acme Robotics GmbH)\",\"legal_name\":\"Acme Robotics GmbH\",\"billing_country\":\"DE\",\"currency\":\"EUR\",\"tax_id\":\"DE123456789\"}")
                    .get("id")
                    .asString();
            String b = post(
                            gatewayUrl + "/api/v1/admin/tenants",
                            admin,
                            "{\"name\":\"Tenant B (Lion City AI Pte. Ltd.)\",\"legal_name\":\"Lion City AI Pte. Ltd.\",\"billing_country\":\"SG\",\"currency\":\"SGD\"}")
                    .get("id")
                    .asString();
            values.put("TENANT_ID", a);
            values.put("TENANT_B_ID", b);
            values.put(
                    "TENANT_API_KEY",
                    post(gatewayUrl + "/api/v1/admin/tenants/" + a + "/api-keys", admin, "{\"name\":\"demo\"}")
                            .get("key")
                            .asString());
            values.put(
                    "TENANT_B_API_KEY",
                    post(gatewayUrl + "/api/v1/admin/tenants/" + b + "/api-keys", admin, "{\"name\":\"demo\"}")
                            .get("key")
                            .asString());
            values.put(
                    "FINANCE_API_KEY",
                    post(
                                    gatewayUrl + "/api/v1/admin/api-keys",
                                    admin,
                                    "{\"name\":\"demo finance\",\"role\":\"FINANCE\"}")
                            .get("key")
                            .asString());
        }
        save();
        ensurePrices(gatewayUrl);
        ensureBilling(gatewayUrl);
    }

    /**
     * On first start: the demo issuer (a Singapore company) and its tax rules, from {@code
     * tokenmeter/demo-billing.json}.
     */
    private void ensureBilling(String gatewayUrl) throws IOException, InterruptedException {
        String admin = values.get("ADMIN_API_KEY");
        HttpResponse<String> existing = HTTP.send(
                HttpRequest.newBuilder(URI.create(gatewayUrl + "/api/v1/billing/issuers"))
                        .header("Authorization", "Bearer " + admin)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (existing.statusCode() != 200) {
            throw new IllegalStateException(
                    "demo setup: listing issuers answered " + existing.statusCode() + ": " + existing.body());
        }
        if (!JSON.readTree(existing.body()).isEmpty()) {
            return;
        }
        JsonNode demo;
        try (var in = DemoSetup.class.getResourceAsStream("/tokenmeter/demo-billing.json")) {
            demo = JSON.readTree(in);
        }
        for (JsonNode issuer : demo.get("issuers")) {
            post(gatewayUrl + "/api/v1/billing/issuers", admin, JSON.writeValueAsString(issuer));
        }
        for (JsonNode rule : demo.get("tax_rules")) {
            post(gatewayUrl + "/api/v1/billing/tax-rules", admin, JSON.writeValueAsString(rule));
        }
    }

    /**
     * On first start: a default USD sell book with February 2026 list prices, a CNY cost book and demo FX
     * rates, from {@code tokenmeter/demo-prices.json}, through the pricing API. Versions can only be created to
     * take effect in the future, so they start two seconds from now.
     */
    private void ensurePrices(String gatewayUrl) throws IOException, InterruptedException {
        String admin = values.get("ADMIN_API_KEY");
        HttpResponse<String> existing = HTTP.send(
                HttpRequest.newBuilder(URI.create(gatewayUrl + "/api/v1/pricing/books"))
                        .header("Authorization", "Bearer " + admin)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (existing.statusCode() != 200) {
            throw new IllegalStateException(
                    "demo setup: listing price books answered " + existing.statusCode() + ": " + existing.body());
        }
        if (!JSON.readTree(existing.body()).isEmpty()) {
            return;
        }
        JsonNode demo;
        try (var in = DemoSetup.class.getResourceAsStream("/tokenmeter/demo-prices.json")) {
            demo = JSON.readTree(in);
        }
        java.time.Instant effective = java.time.Instant.now().plusSeconds(2);
        String effectiveFrom = effective.toString();
        for (JsonNode entry : demo.get("books")) {
            String bookId = post(
                            gatewayUrl + "/api/v1/pricing/books", admin, JSON.writeValueAsString(entry.get("book")))
                    .get("id")
                    .asString();
            var version = (tools.jackson.databind.node.ObjectNode)
                    entry.get("version").deepCopy();
            version.put("effective_from", effectiveFrom);
            post(gatewayUrl + "/api/v1/pricing/books/" + bookId + "/versions", admin, JSON.writeValueAsString(version));
        }
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        for (JsonNode rate : demo.get("fx_rates")) {
            var body = (tools.jackson.databind.node.ObjectNode) rate.deepCopy();
            body.put("as_of", today).put("source", "demo (illustrative)"); // ranks last: pricing's FX source order
            post(gatewayUrl + "/api/v1/fx/rates", admin, JSON.writeValueAsString(body));
        }
        // the stack is ready when its prices are: a first call before then would be unpriced (and the gateway keeps
        // "no price" for a few seconds)
        long wait =
                java.time.Duration.between(java.time.Instant.now(), effective).toMillis() + 100;
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    private static boolean works(String gatewayUrl, String key) throws IOException, InterruptedException {
        if (key == null) {
            return false;
        }
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(gatewayUrl + "/v1/models"))
                        .header("Authorization", "Bearer " + key)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode() != 401;
    }

    private static JsonNode post(String url, String key, String body) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new IllegalStateException(
                    "demo setup: POST " + url + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** What users source: the gateway's URL, the demo tenants and the demo keys. */
    private static final java.util.Set<String> PUBLISHED = java.util.Set.of(
            "GATEWAY_URL",
            "ADMIN_API_KEY",
            "FINANCE_API_KEY",
            "TENANT_ID",
            "TENANT_API_KEY",
            "TENANT_B_ID",
            "TENANT_B_API_KEY");

    private void save() throws IOException {
        write(file, values.keySet());
    }

    private void write(Path target, java.util.Set<String> names) throws IOException {
        StringBuilder out = new StringBuilder(
                "# TokenMeter local stack: URLs and demo keys (shell syntax). Secret: do not commit.\n");
        values.forEach((k, v) -> {
            if (names.contains(k)) {
                out.append(k).append("='").append(v).append("'\n");
            }
        });
        Files.createDirectories(target.getParent());
        Files.writeString(target, out.toString(), StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
    }

    static String sha256(String value) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String random(int bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(bytes));
    }

    /** A caller's key pair: the private key PKCS#8, the public X.509, as the services read them. */
    private static java.security.KeyPair ed25519KeyPair() {
        try {
            return java.security.KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int bytes) {
        byte[] b = new byte[bytes];
        new SecureRandom().nextBytes(b);
        return b;
    }
}
