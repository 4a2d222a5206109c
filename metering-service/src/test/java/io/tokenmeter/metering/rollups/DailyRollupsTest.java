package io.tokenmeter.metering.rollups;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.metering.ingest.UsageEventRepository;
import io.tokenmeter.metering.ingest.UsageEventRepository.Source;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.SignedCalls;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Daily rollups must equal the sum of their hours for every sealed day, whenever the events came, and a query by day
 * must answer the same whichever rollups it reads. The sealer is driven by hand (its schedule is an hour away).
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tokenmeter.metering.rollups.seal-every=1h")
@RealInfrastructure
class DailyRollupsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    UsageEventRepository events;

    @Autowired
    RollupSealer sealer;

    @Autowired
    Environment environment;

    @Test
    void daysSealedWhileBatchesForThemAreStoredEqualTheSumOfTheirHours() throws Exception {
        Instant start = watermark();
        int days = 15;
        String tenant = "t-race-" + UUID.randomUUID();
        AtomicBoolean sealing = new AtomicBoolean(true);
        List<Future<Long>> writers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            for (int w = 0; w < 3; w++) {
                Random random = new Random(w);
                writers.add(pool.submit(() -> {
                    long stored = 0;
                    while (sealing.get()) {
                        List<UsageEvent> batch = new ArrayList<>();
                        for (int i = 0; i < 40; i++) {
                            // every batch has events of every day of the window, so each one races each seal
                            Instant at = start.plusSeconds(random.nextLong(days * 86_400L));
                            batch.add(event(tenant, i % 2 == 0 ? "glm-5" : "kimi-k2", 1 + random.nextInt(1000), at));
                        }
                        stored += events.store(batch, Source.INGEST_API).size();
                    }
                    return stored;
                }));
            }
            for (int d = 1; d <= days; d++) {
                Thread.sleep(40);
                assertThat(sealer.sealBefore(start.plus(d, ChronoUnit.DAYS))).isEqualTo(1);
            }
            Thread.sleep(40);
            sealing.set(false);
            long stored = 0;
            for (Future<Long> writer : writers) {
                stored += writer.get();
            }
            assertThat(stored).isGreaterThan(days * 40L);
            assertThat(sum("usage_rollup_hourly", "requests", tenant)).isEqualTo(stored);
        }
        Map<Instant, List<Long>> hours = byDay(
                "SELECT date_trunc('day', hour, 'UTC'), sum(requests), sum(input_tokens) FROM usage_rollup_hourly"
                        + " WHERE tenant_id = ? GROUP BY 1",
                tenant);
        Map<Instant, List<Long>> daily = byDay(
                "SELECT day, sum(requests), sum(input_tokens) FROM usage_rollup_daily WHERE tenant_id = ? GROUP BY 1",
                tenant);
        assertThat(hours).hasSize(days);
        assertThat(daily).isEqualTo(hours);
    }

    @Test
    void aQueryByDayOrMonthAnswersTheSameOnWhicheverSideOfTheWatermarkItsDaysAre() throws Exception {
        sealer.sealDue();
        Instant w = watermark();
        String tenant = "t-days-" + UUID.randomUUID();
        List<UsageEvent> batch = List.of(
                event(tenant, "glm-5", 100, w.minus(Duration.ofDays(3)).plus(Duration.ofHours(9))), // sealed, late
                event(tenant, "glm-5", 20, w.minus(Duration.ofDays(2)).plus(Duration.ofMinutes(1))),
                event(tenant, "kimi-k2", 3, w.minus(Duration.ofDays(2)).plus(Duration.ofHours(23))),
                event(tenant, "glm-5", 4000, w.plus(Duration.ofHours(2))), // not sealed yet
                event(tenant, "kimi-k2", 50_000, w.plus(Duration.ofDays(1)).plus(Duration.ofHours(5))));
        assertThat(events.store(batch, Source.INGEST_API)).hasSize(5);
        assertThat(sum("usage_rollup_daily", "input_tokens", tenant))
                .as("the late events went to their sealed days")
                .isEqualTo(123);

        // from 07:00 three days before the watermark: a partial first day, then whole days on both sides of it
        String range =
                "from=" + w.minus(Duration.ofDays(3)).plus(Duration.ofHours(7)) + "&to=" + w.plus(Duration.ofDays(2));
        Map<String, Long> expected = Map.of(
                w.minus(Duration.ofDays(3)) + " glm-5", 100L,
                w.minus(Duration.ofDays(2)) + " glm-5", 20L,
                w.minus(Duration.ofDays(2)) + " kimi-k2", 3L,
                w + " glm-5", 4000L,
                w.plus(Duration.ofDays(1)) + " kimi-k2", 50_000L);
        assertThat(inputByPeriodAndModel(tenant, "granularity=day&group_by=model&" + range))
                .isEqualTo(new TreeMap<>(expected));
        assertThat(inputByPeriodAndModel(tenant, "granularity=month&" + range).values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isEqualTo(54_123);

        // seal the next day too: the same answer, now read from the daily rollups
        assertThat(sealer.sealBefore(w.plus(Duration.ofDays(1)))).isEqualTo(1);
        assertThat(sum("usage_rollup_daily", "input_tokens", tenant)).isEqualTo(4123);
        assertThat(inputByPeriodAndModel(tenant, "granularity=day&group_by=model&" + range))
                .isEqualTo(new TreeMap<>(expected));
        // a range of whole hours inside one day still reads the hours
        String hours = "from=" + w.plus(Duration.ofHours(1)) + "&to=" + w.plus(Duration.ofHours(3));
        assertThat(inputByPeriodAndModel(tenant, "granularity=day&" + hours)).isEqualTo(Map.of(w + " null", 4000L));
    }

    private Map<String, Long> inputByPeriodAndModel(String tenant, String query) throws Exception {
        HttpResponse<String> answer = HTTP.send(
                SignedCalls.request(
                        "http://localhost:" + environment.getProperty("local.server.port"),
                        "GET",
                        "/api/v1/usage?" + query,
                        new Caller("key-" + tenant, Role.TENANT, tenant),
                        null),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode row : JSON.readTree(answer.body()).get("data")) {
            out.put(
                    row.get("period_start").asString() + " "
                            + (row.hasNonNull("model") ? row.get("model").asString() : "null"),
                    row.get("input_tokens").asLong());
        }
        return out;
    }

    private Instant watermark() {
        return jdbc.queryForObject("SELECT sealed_before FROM usage_rollup_watermark", Timestamp.class)
                .toInstant();
    }

    private long sum(String table, String column, String tenant) {
        return jdbc.queryForObject(
                "SELECT coalesce(sum(" + column + "), 0) FROM " + table + " WHERE tenant_id = ?", Long.class, tenant);
    }

    private Map<Instant, List<Long>> byDay(String sql, String tenant) {
        Map<Instant, List<Long>> out = new TreeMap<>();
        jdbc.query(
                sql,
                rs -> {
                    out.put(rs.getTimestamp(1).toInstant(), List.of(rs.getLong(2), rs.getLong(3)));
                },
                tenant);
        return out;
    }

    private static UsageEvent event(String tenant, String model, long input, Instant at) {
        return new UsageEvent(
                1,
                EventIds.newEventId(),
                tenant,
                "key-" + tenant,
                model,
                "zhipu",
                "cn-beijing",
                input,
                0,
                0,
                10,
                0,
                false,
                "req-" + UUID.randomUUID(),
                UsageStatus.SUCCEEDED,
                100,
                at);
    }
}
