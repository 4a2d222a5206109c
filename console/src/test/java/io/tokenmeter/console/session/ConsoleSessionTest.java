package io.tokenmeter.console.session;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sign-in, the session and its cookie, CSRF and role checks, over real HTTP. The platform here is a stand-in
 * gateway answering {@code /api/v1/me} and one admin route; the real platform is driven by the e2e ConsoleIT.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"server.servlet.session.cookie.secure=true", "logging.structured.format.console="})
class ConsoleSessionTest {

    static final String TENANT_KEY = "tm_tenant_key_for_tests";
    static final String ADMIN_KEY = "tm_admin_key_for_tests";
    static final List<String> platformCalls = new CopyOnWriteArrayList<>();
    static final List<String> clientStamps = new CopyOnWriteArrayList<>();
    static final HttpServer gateway = gateway();

    private static final HttpClient HTTP =
            HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void platform(DynamicPropertyRegistry registry) {
        registry.add(
                "tokenmeter.console.platform.gateway-url",
                () -> "http://127.0.0.1:" + gateway.getAddress().getPort());
    }

    @AfterAll
    static void stopGateway() {
        gateway.stop(0);
    }

    @Test
    void pagesNeedASignedInUser() throws Exception {
        HttpResponse<String> page = get("/console/usage", null);
        assertThat(page.statusCode()).isEqualTo(302);
        assertThat(page.headers().firstValue("Location").orElseThrow()).endsWith("/console/sign-in");
    }

    @Test
    void signInWithoutTheFormsCsrfTokenIsRefused() throws Exception {
        platformCalls.clear();
        HttpResponse<String> refused = post("/console/sign-in", null, "api_key=" + TENANT_KEY);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(platformCalls).doesNotContain("GET /api/v1/me " + TENANT_KEY);
    }

    @Test
    void anUnknownKeyIsRefusedInPlainWords() throws Exception {
        Session session = Session.start(this);
        HttpResponse<String> refused = session.signIn("tm_nobody");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.body()).contains("That key was not accepted");
        assertThat(get("/console/usage", session.cookie).statusCode()).isEqualTo(302);
    }

    @Test
    void signInGivesANewHttpOnlySameSiteSecureSessionAndTheKeyNeverComesBack() throws Exception {
        Session session = Session.start(this);
        String before = session.cookie;

        HttpResponse<String> signedIn = session.signIn(TENANT_KEY);

        assertThat(signedIn.statusCode()).isEqualTo(302);
        assertThat(signedIn.headers().firstValue("Location").orElseThrow()).endsWith("/console/usage");
        String setCookie = signedIn.headers().allValues("Set-Cookie").stream()
                .filter(c -> c.startsWith("TOKENMETER_CONSOLE="))
                .findFirst()
                .orElseThrow();
        assertThat(setCookie).contains("HttpOnly", "SameSite=Strict", "Secure", "Path=/console");
        assertThat(session.cookie)
                .as("a session planted before sign-in is not the one signed in")
                .isNotEqualTo(before);
        assertThat(get("/console/usage", before).statusCode()).isEqualTo(302);
        assertThat(platformCalls).contains("GET /api/v1/me " + TENANT_KEY);

        HttpResponse<String> page = get("/console/budgets", session.cookie);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).doesNotContain(TENANT_KEY);
        // the alert's webhook delivery history, attempt by attempt
        assertThat(page.body().replaceAll("\\s+", " "))
                .contains("8.50 EUR", "delivered")
                .containsPattern("2026-12-05 10:00 UTC</time>: <span>http_error</span><span> \\(5xx\\)</span>")
                .containsPattern("<span>delivered</span><span> \\(2xx\\)</span>");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow())
                .contains("script-src 'self'");
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.boot.web.server.context.WebServerApplicationContext server;

    /**
     * A session expires: it is created with the configured idle timeout (30 minutes), and one left idle past its
     * timeout is over at its next request. The wait is shortened on the live session in Tomcat's own manager, as no
     * test waits half an hour.
     */
    @Test
    void aSessionLeftIdlePastItsTimeoutIsOver() throws Exception {
        Session session = Session.start(this);
        session.signIn(TENANT_KEY);
        assertThat(get("/console/budgets", session.cookie).statusCode()).isEqualTo(200);
        String id = session.cookie.substring(session.cookie.indexOf('=') + 1);
        org.apache.catalina.Manager manager = ((org.apache.catalina.Context)
                        ((org.springframework.boot.tomcat.TomcatWebServer) server.getWebServer())
                                .getTomcat()
                                .getHost()
                                .findChildren()[0])
                .getManager();
        org.apache.catalina.Session live = manager.findSession(id);
        assertThat(live).as("the signed-in session, in Tomcat").isNotNull();
        assertThat(live.getMaxInactiveInterval()).as("30 minutes").isEqualTo(30 * 60);

        live.setMaxInactiveInterval(1);
        Thread.sleep(2_100);

        HttpResponse<String> after = get("/console/budgets", session.cookie);
        assertThat(after.statusCode()).as("signed out by the timeout").isEqualTo(302);
        assertThat(after.headers().firstValue("Location").orElseThrow()).endsWith("/console/sign-in");
    }

    /**
     * The gateway stamps each request it passes to the console with the browser's address; the key check goes back
     * with that stamp, so a wrong key counts against the typist's address at the gateway, not the console's.
     */
    @Test
    void theKeyCheckCarriesTheGatewaysStampOfTheBrowsersAddress() throws Exception {
        Session session = Session.start(this);
        clientStamps.clear();
        HttpResponse<String> refused = signInStamped(session, "tm_wrong", "203.0.113.7;1796490000;c3RhbXA");
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(clientStamps).containsExactly("203.0.113.7;1796490000;c3RhbXA");

        clientStamps.clear();
        session.signIn("tm_wrong_again");
        assertThat(clientStamps).as("no stamp came in, none goes out").containsExactly("null");
    }

    private HttpResponse<String> signInStamped(Session session, String key, String stamp) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/console/sign-in"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Cookie", session.cookie)
                        .header("X-TokenMeter-Client-Address", stamp)
                        .POST(HttpRequest.BodyPublishers.ofString("_csrf="
                                + URLEncoder.encode(session.token, StandardCharsets.UTF_8) + "&api_key=" + key))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTenantIsRefusedAdminAndFinancePagesBeforeThePlatformIsAsked() throws Exception {
        Session session = Session.start(this);
        session.signIn(TENANT_KEY);
        platformCalls.clear();

        for (String page : List.of("/console/admin/tenants", "/console/finance/runs")) {
            HttpResponse<String> refused = get(page, session.cookie);
            assertThat(refused.statusCode()).as(page).isEqualTo(403);
            assertThat(refused.body()).contains("Not for your role");
        }
        assertThat(platformCalls).isEmpty();
    }

    @Test
    void anAdminsPageCallsThePlatformWithTheAdminsOwnKey() throws Exception {
        Session session = Session.start(this);
        session.signIn(ADMIN_KEY);

        HttpResponse<String> tenants = get("/console/admin/tenants", session.cookie);

        assertThat(tenants.statusCode()).isEqualTo(200);
        assertThat(tenants.body()).contains("Acme Robotics");
        assertThat(platformCalls).contains("GET /api/v1/admin/tenants " + ADMIN_KEY);
    }

    @Test
    void signOutEndsTheSession() throws Exception {
        Session session = Session.start(this);
        session.signIn(TENANT_KEY);
        HttpResponse<String> page = get("/console/budgets", session.cookie);
        String token = csrf(page.body());

        HttpResponse<String> out =
                post("/console/sign-out", session.cookie, "_csrf=" + URLEncoder.encode(token, StandardCharsets.UTF_8));

        assertThat(out.statusCode()).isEqualTo(302);
        assertThat(out.headers().firstValue("Location").orElseThrow()).endsWith("/console/sign-in?signed-out");
        assertThat(get("/console/budgets", session.cookie).statusCode()).isEqualTo(302);
    }

    /** A browser's cookie jar of one: the console's session cookie. */
    static final class Session {
        private final ConsoleSessionTest test;
        String cookie;

        private Session(ConsoleSessionTest test) {
            this.test = test;
        }

        static Session start(ConsoleSessionTest test) throws Exception {
            Session session = new Session(test);
            HttpResponse<String> form = test.get("/console/sign-in", null);
            session.keep(form);
            session.token = csrf(form.body());
            return session;
        }

        private String token;

        HttpResponse<String> signIn(String key) throws Exception {
            HttpResponse<String> response = test.post(
                    "/console/sign-in",
                    cookie,
                    "_csrf=" + URLEncoder.encode(token, StandardCharsets.UTF_8) + "&api_key=" + key);
            keep(response);
            return response;
        }

        private void keep(HttpResponse<String> response) {
            response.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("TOKENMETER_CONSOLE="))
                    .findFirst()
                    .ifPresent(c -> cookie = c.substring(0, c.indexOf(';')));
        }
    }

    private static String csrf(String html) {
        Matcher m = CSRF.matcher(html);
        assertThat(m.find()).as("a CSRF token in the form").isTrue();
        return m.group(1);
    }

    HttpResponse<String> get(String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String cookie, String form) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpServer gateway() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", exchange -> {
                String key = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))
                        .replace("Bearer ", "");
                String path = exchange.getRequestURI().getPath();
                platformCalls.add(exchange.getRequestMethod() + " " + path + " " + key);
                clientStamps.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-TokenMeter-Client-Address")));
                String body;
                int status = 200;
                if (path.equals("/api/v1/me") && key.equals(TENANT_KEY)) {
                    body = "{\"key_id\":\"key_t\",\"role\":\"TENANT\",\"tenant_id\":\"ten_a\",\"currency\":\"EUR\"}";
                } else if (path.equals("/api/v1/me") && key.equals(ADMIN_KEY)) {
                    body = "{\"key_id\":\"key_a\",\"role\":\"ADMIN\",\"tenant_id\":null,\"currency\":null}";
                } else if (path.equals("/api/v1/admin/tenants") && key.equals(ADMIN_KEY)) {
                    body = "[{\"id\":\"ten_a\",\"name\":\"Acme Robotics\",\"billing_country\":\"DE\","
                            + "\"currency\":\"EUR\",\"status\":\"ACTIVE\",\"allowed_regions\":null}]";
                } else if (path.equals("/api/v1/budgets/alerts") && key.equals(TENANT_KEY)) {
                    body = """
                            [{"alert_id":"a1","budget_id":"bud_1","threshold_percent":80,"amount":10,"spent":8.5,
                              "currency":"EUR","period_start":"2026-12-01T00:00:00Z",
                              "crossed_at":"2026-12-05T10:00:00Z","published_at":"2026-12-05T10:00:01Z",
                              "webhook_state":"DELIVERED","deliveries":[
                               {"attempt":1,"at":"2026-12-05T10:00:02Z","status_class":"5xx","outcome":"http_error"},
                               {"attempt":2,"at":"2026-12-05T10:00:04Z","status_class":"2xx","outcome":"delivered"}]}]""";
                } else if (path.startsWith("/api/v1/budgets") && key.equals(TENANT_KEY)) {
                    body = "[]";
                } else {
                    status = 401;
                    body = "{\"title\":\"Unauthorized\",\"status\":401,\"request_id\":\"req_stub\"}";
                }
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
