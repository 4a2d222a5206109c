package io.tokenmeter.billing.budget;

import io.tokenmeter.contracts.budgets.BudgetThresholdCrossed;
import io.tokenmeter.starter.secrets.SealedSecrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Delivers crossed thresholds from the {@code budget_alert} outbox: the {@link BudgetThresholdCrossed} event on
 * Kafka, and the tenant's webhook with the same body, signed. Each alert is claimed for a minute with
 * {@code SKIP LOCKED}, so instances never deliver the same one at once; a failed webhook is retried with
 * exponential backoff up to a number of attempts, and every attempt is logged in {@code webhook_delivery}.
 * Delivery is at least once: receivers drop repeats by {@code alert_id}.
 */
@Component
class BudgetAlerts {

    static final String SIGNATURE_HEADER = "X-TokenMeter-Signature";
    private static final Logger log = LoggerFactory.getLogger(BudgetAlerts.class);

    private record Due(
            UUID id,
            String budgetId,
            String apiKeyId,
            String tenantId,
            Instant windowStart,
            int threshold,
            java.math.BigDecimal amount,
            java.math.BigDecimal spent,
            String currency,
            Instant crossedAt,
            boolean published,
            String webhookState,
            int attempts) {}

    private final JdbcClient jdbc;
    private final KafkaTemplate<String, byte[]> kafka;
    private final BudgetProperties.Alerts properties;
    private final HttpClient http;
    private final WebhookTargets targets;
    private final SealedSecrets secrets;

    BudgetAlerts(JdbcClient jdbc, KafkaTemplate<String, byte[]> kafka, BudgetProperties properties) {
        this.jdbc = jdbc;
        this.kafka = kafka;
        this.properties = properties.alerts();
        // no redirects: a public URL answering 302 to a private one would get round the address check
        this.http = HttpClient.newBuilder()
                .connectTimeout(this.properties.timeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.targets = new WebhookTargets(this.properties.allowedHosts());
        this.secrets = new SealedSecrets(this.properties.secretKey(), "TOKENMETER_WEBHOOK_SECRET_KEY");
    }

    @Scheduled(fixedDelayString = "${tokenmeter.billing.budgets.alerts.poll-every:1s}")
    void deliverDue() {
        for (Due due : claim()) {
            BudgetThresholdCrossed event = new BudgetThresholdCrossed(
                    due.id(),
                    BudgetThresholdCrossed.TYPE,
                    due.tenantId(),
                    due.budgetId(),
                    due.apiKeyId(),
                    due.threshold(),
                    due.amount(),
                    due.spent(),
                    due.currency(),
                    due.windowStart(),
                    due.crossedAt());
            byte[] body = event.toJson();
            boolean published = due.published() || publish(event, body);
            String webhookState = due.webhookState();
            int attempts = due.attempts();
            if ("PENDING".equals(webhookState)) {
                attempts++;
                webhookState = callWebhook(due, body, attempts);
            }
            boolean done = published && !"PENDING".equals(webhookState);
            jdbc.sql("""
                            UPDATE budget_alert SET published_at = CASE WHEN :published THEN coalesce(published_at,
                                now()) END,
                                   webhook_state = :state, attempts = :attempts, next_attempt_at = :next WHERE id = :id""")
                    .param("published", published)
                    .param("state", webhookState)
                    .param("attempts", attempts)
                    .param(
                            "next",
                            Timestamp.from(
                                    done ? Instant.now() : Instant.now().plusMillis(backoff(Math.max(attempts, 1)))))
                    .param("id", due.id())
                    .update();
        }
    }

    /** Alerts due now, each held for a minute so that no other instance takes it meanwhile. */
    private List<Due> claim() {
        return jdbc
                .sql("""
                        UPDATE budget_alert a SET next_attempt_at = now() + interval '1 minute' FROM budget b
                        WHERE b.id = a.budget_id AND a.id IN (
                            SELECT id FROM budget_alert WHERE (published_at IS NULL OR webhook_state = 'PENDING') AND
                                next_attempt_at <= now()
                            ORDER BY next_attempt_at LIMIT 50 FOR UPDATE SKIP LOCKED)
                        RETURNING a.id, a.budget_id, b.api_key_id, a.tenant_id, a.window_start, a.threshold, a.amount,
                            a.spent, a.currency,
                                  a.crossed_at, a.published_at IS NOT NULL AS published, a.webhook_state, a.attempts""")
                .query((rs, i) -> new Due(
                        rs.getObject("id", UUID.class),
                        rs.getString("budget_id"),
                        rs.getString("api_key_id"),
                        rs.getString("tenant_id"),
                        rs.getTimestamp("window_start").toInstant(),
                        rs.getInt("threshold"),
                        rs.getBigDecimal("amount"),
                        rs.getBigDecimal("spent"),
                        rs.getString("currency"),
                        rs.getTimestamp("crossed_at").toInstant(),
                        rs.getBoolean("published"),
                        rs.getString("webhook_state"),
                        rs.getInt("attempts")))
                .list()
                .stream()
                .sorted(java.util.Comparator.comparing(Due::crossedAt).thenComparing(Due::threshold))
                .toList(); // in order of crossing
    }

    private boolean publish(BudgetThresholdCrossed event, byte[] body) {
        try {
            kafka.send(BudgetThresholdCrossed.TOPIC, event.tenantId(), body).get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            log.warn(
                    "alert {} not yet published on {}: {}",
                    event.alertId(),
                    BudgetThresholdCrossed.TOPIC,
                    NestedExceptionUtils.getMostSpecificCause(e).toString());
            return false;
        }
    }

    /** One attempt; the state after it: DELIVERED, PENDING (to retry), FAILED (attempts spent) or NO_WEBHOOK. */
    private String callWebhook(Due due, byte[] body, int attempt) {
        record Hook(String url, String secret) {}
        Hook hook = jdbc.sql("SELECT url, secret FROM budget_webhook WHERE tenant_id = ?")
                .param(due.tenantId())
                .query((rs, i) -> new Hook(rs.getString(1), rs.getString(2)))
                .optional()
                .orElse(null);
        if (hook == null) {
            return "NO_WEBHOOK";
        }
        Integer status = null;
        String outcome;
        java.util.Optional<String> refusal =
                targets.refusal(URI.create(hook.url())); // again: the name may resolve elsewhere now
        if (refusal.isPresent()) {
            outcome = "refused_target";
            log.warn("webhook of alert {} not called: {}", due.id(), refusal.get());
        } else {
            try {
                String secret = secrets.open(due.tenantId(), hook.secret());
                if (!hook.secret().startsWith(SealedSecrets.PREFIX)
                        && secrets.configured()) { // stored in clear by an earlier version
                    jdbc.sql("UPDATE budget_webhook SET secret = ? WHERE tenant_id = ? AND secret = ?")
                            .params(secrets.seal(due.tenantId(), secret), due.tenantId(), hook.secret())
                            .update();
                }
                long timestamp = Instant.now().getEpochSecond();
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(URI.create(hook.url()))
                                .timeout(properties.timeout())
                                .header("Content-Type", "application/json")
                                .header(SIGNATURE_HEADER, signature(secret, timestamp, body))
                                .header("X-TokenMeter-Alert-Id", due.id().toString())
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                status = response.statusCode();
                outcome = status >= 200 && status < 300 ? "delivered" : "http_error";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome = "interrupted";
            } catch (Exception e) {
                outcome = outcomeOf(e);
                log.info(
                        "webhook of alert {} attempt {}: {}",
                        due.id(),
                        attempt,
                        NestedExceptionUtils.getMostSpecificCause(e).toString());
            }
        }
        jdbc.sql("INSERT INTO webhook_delivery (alert_id, attempt, url, status_code, error) VALUES (?, ?, ?, ?, ?)")
                .params(due.id(), attempt, hook.url(), status, outcome)
                .update();
        if (status != null && status >= 200 && status < 300) {
            return "DELIVERED";
        }
        log.info(
                "webhook of alert {} attempt {} failed: {}",
                due.id(),
                attempt,
                status != null ? "HTTP " + status : outcome);
        return attempt >= properties.maxAttempts() ? "FAILED" : "PENDING";
    }

    /** A failed attempt as one word a tenant may see; the exception's own text stays in billing's log. */
    private static String outcomeOf(Exception e) {
        Throwable cause = NestedExceptionUtils.getMostSpecificCause(e);
        if (cause instanceof java.net.http.HttpConnectTimeoutException || cause instanceof java.net.ConnectException) {
            return "connect_failed";
        }
        if (cause instanceof java.net.http.HttpTimeoutException) {
            return "timeout";
        }
        if (cause instanceof javax.net.ssl.SSLException) {
            return "tls_failed";
        }
        return "io_failed";
    }

    /**
     * {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}: the receiver recomputes it with its secret and
     * refuses old timestamps, so a captured body cannot be replayed later.
     */
    static String signature(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "t=" + timestamp + ",v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The wait before attempt {@code attempts + 1}: the first retry wait, doubled each time, capped. */
    private long backoff(int attempts) {
        ExponentialBackOff policy =
                new ExponentialBackOff(properties.firstRetry().toMillis(), 2.0);
        policy.setMaxInterval(properties.maxRetryWait().toMillis());
        BackOffExecution execution = policy.start();
        long wait = execution.nextBackOff();
        for (int i = 1; i < attempts; i++) {
            wait = execution.nextBackOff();
        }
        return wait;
    }
}
