package io.tokenmeter.pricing;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.SignedCalls;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The rating API on the real database; prices are set up in the future, where versions may be drafts. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class QuoteApiTest {

    static final Caller ADMIN = new Caller("key-admin", Role.ADMIN, null);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    // a period well in the future: its versions can still be created now
    static final Instant MONTH = LocalDate.now(ZoneOffset.UTC)
            .plusMonths(2)
            .withDayOfMonth(1)
            .atStartOfDay()
            .toInstant(ZoneOffset.UTC);
    static final Instant NEXT_MONTH =
            MONTH.atOffset(ZoneOffset.UTC).plusMonths(1).toInstant();
    static volatile String defaultBook;

    @Autowired
    Environment environment;

    static final String RATES = """
            [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","rate_per_million":0.27},
             {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","rate_per_million":1.10},
             {"model":"glm-5","region":"cn-beijing","token_class":"input","mode":"graduated",
              "tiers":[{"from_tokens":0,"rate_per_million":1.00},{"from_tokens":1000000,"rate_per_million":0.80}]}]""";

    String book(boolean isDefault, String rates, Instant... versionsFrom) throws Exception {
        JsonNode book = JSON.readTree(send(
                        "/api/v1/pricing/books",
                        ADMIN,
                        "{\"name\":\"Book\",\"currency\":\"USD\",\"purpose\":\"sell\",\"default\":" + isDefault + "}")
                .body());
        String id = book.get("id").asString();
        for (Instant from : versionsFrom) {
            HttpResponse<String> v = send(
                    "/api/v1/pricing/books/" + id + "/versions",
                    ADMIN,
                    "{\"effective_from\":\"" + from
                            + "\",\"off_peak\":{\"start\":\"16:30\",\"end\":\"00:30\",\"discount_percent\":50},\"rates\":"
                            + rates + "}");
            assertThat(v.statusCode()).as(v.body()).isEqualTo(201);
        }
        return id;
    }

    synchronized String defaultBook() throws Exception {
        if (defaultBook == null) {
            defaultBook = book(true, RATES, MONTH.minusSeconds(86400));
        }
        return defaultBook;
    }

    JsonNode quote(Caller caller, String tenant, String currency, String lines) throws Exception {
        HttpResponse<String> r = send(
                "/api/v1/rating/quote",
                caller,
                "{\"tenant_id\":\"" + tenant + "\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\"" + NEXT_MONTH
                        + "\"}" + (currency == null ? "" : ",\"currency\":\"" + currency + "\"") + ",\"lines\":" + lines
                        + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void theDefaultBookPricesATenantWithoutAContractAndUnpricedUsageIsReported() throws Exception {
        defaultBook();
        String tenant = "t-" + UUID.randomUUID();
        JsonNode q = quote(ADMIN, tenant, null, """
                [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","tokens":2000000},
                 {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","tokens":333333},
                 {"model":"kimi-k2","region":"sg","token_class":"input","tokens":5}]""");
        JsonNode input = q.get("lines").get(0);
        assertThat(input.get("price_source").asString()).isEqualTo("default_book");
        assertThat(input.get("price_book_id").asString()).isEqualTo(defaultBook);
        assertThat(input.get("price_book_version").asInt()).isEqualTo(1);
        assertThat(input.get("amount").decimalValue()).isEqualByComparingTo("0.54"); // 2 x 0.27
        JsonNode output = q.get("lines").get(1);
        assertThat(output.get("amount_exact").decimalValue()).isEqualByComparingTo("0.3666663"); // 0.333333 x 1.10
        assertThat(output.get("amount").decimalValue()).isEqualByComparingTo("0.37");
        JsonNode unpriced = q.get("lines").get(2);
        assertThat(unpriced.get("priced").asBoolean()).isFalse();
        assertThat(unpriced.get("reason").asString()).contains("no input rate for kimi-k2 in sg");
        assertThat(unpriced.has("amount")).isFalse();
        assertThat(q.get("totals").get("USD").decimalValue()).isEqualByComparingTo("0.91");
    }

    @Test
    void aContractBookWinsOverADiscountWhichWinsOverTheDefault() throws Exception {
        defaultBook();
        String own = book(false, RATES.replace("0.27", "0.20"), MONTH.minusSeconds(3600));
        String withBook = "t-" + UUID.randomUUID();
        String withDiscount = "t-" + UUID.randomUUID();
        contract("{\"tenant_id\":\"" + withBook + "\",\"price_book_id\":\"" + own + "\",\"valid_from\":\""
                + MONTH.minusSeconds(7200) + "\"}");
        contract("{\"tenant_id\":\"" + withDiscount + "\",\"discount_percent\":20,\"valid_from\":\""
                + MONTH.minusSeconds(7200) + "\"}");
        String line =
                "[{\"model\":\"deepseek-v3.2\",\"region\":\"cn-hangzhou\",\"token_class\":\"input\",\"tokens\":1000000}]";

        JsonNode byBook = quote(ADMIN, withBook, null, line).get("lines").get(0);
        assertThat(byBook.get("price_source").asString()).isEqualTo("contract_book");
        assertThat(byBook.get("price_book_id").asString()).isEqualTo(own);
        assertThat(byBook.get("contract_id").asString()).startsWith("ctr_");
        assertThat(byBook.get("amount").decimalValue()).isEqualByComparingTo("0.20");

        JsonNode byDiscount =
                quote(ADMIN, withDiscount, null, line).get("lines").get(0);
        assertThat(byDiscount.get("price_source").asString()).isEqualTo("contract_discount");
        assertThat(byDiscount.get("amount_exact").decimalValue()).isEqualByComparingTo("0.216"); // 0.27 x 0.8
        assertThat(byDiscount.get("amount").decimalValue()).isEqualByComparingTo("0.22");
    }

    @Test
    void bucketsArePricedByTheVersionInForceAtTheirTimeWithTiersAndOffPeak() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        Instant mid = MONTH.plusSeconds(86400 * 10L);
        String own = book(false, RATES, MONTH.minusSeconds(60));
        // a second version from day 10 doubles the glm-5 tier-1 rate
        assertThat(send(
                                "/api/v1/pricing/books/" + own + "/versions",
                                ADMIN,
                                "{\"effective_from\":\"" + mid
                                        + "\",\"off_peak\":{\"start\":\"16:30\",\"end\":\"00:30\",\"discount_percent\":50},\"rates\":"
                                        + RATES.replace("\"rate_per_million\":1.00", "\"rate_per_million\":2.00") + "}")
                        .statusCode())
                .isEqualTo(201);
        contract("{\"tenant_id\":\"" + tenant + "\",\"price_book_id\":\"" + own + "\",\"valid_from\":\""
                + MONTH.minusSeconds(60) + "\"}");
        Instant dayTime = MONTH.plusSeconds(3600 * 12); // 12:00, peak
        Instant night = MONTH.plusSeconds(3600 * 17); // 17:00, off-peak
        Instant later = mid.plusSeconds(3600 * 12); // day 10, 12:00, version 2
        JsonNode lines = quote(ADMIN, tenant, null, """
                [{"model":"glm-5","region":"cn-beijing","token_class":"input","buckets":[
                  {"from":"%s","to":"%s","tokens":600000},{"from":"%s","to":"%s","tokens":600000},{"from":"%s","to":"%s","tokens":100000}]}]""".formatted(
                                dayTime,
                                dayTime.plusSeconds(3600),
                                night,
                                night.plusSeconds(3600),
                                later,
                                later.plusSeconds(3600)))
                .get("lines");
        assertThat(lines).hasSize(2);
        // version 1: 600k peak at 1.00 = 0.60; 400k off-peak at 0.50 = 0.20; 200k off-peak in tier 2 at 0.40 = 0.08
        assertThat(lines.get(0).get("price_book_version").asInt()).isEqualTo(1);
        assertThat(lines.get(0).get("amount_exact").decimalValue()).isEqualByComparingTo("0.88");
        assertThat(lines.get(0).get("tiers")).hasSize(3);
        // version 2, tiers continue at 1.2M: 100k in tier 2 at 0.80 = 0.08
        assertThat(lines.get(1).get("price_book_version").asInt()).isEqualTo(2);
        assertThat(lines.get(1).get("amount_exact").decimalValue()).isEqualByComparingTo("0.08");
        assertThat(lines.get(1).get("tiers").get(0).get("tier").asInt()).isEqualTo(2);
    }

    /**
     * A version that takes effect inside a half-hour bucket: the bucket across it is refused, the price edges name the
     * instant, and the two halves split there are each priced by their own version.
     */
    @Test
    void aBucketAcrossAPriceEdgeIsRefusedAndTheEdgesSayWhereToSplit() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        Instant change = MONTH.plusSeconds(86400 * 3L + 3600 * 10 + 17 * 60 + 23); // day 4, 10:17:23
        String own = book(false, RATES, MONTH.minusSeconds(60));
        HttpResponse<String> second = send(
                "/api/v1/pricing/books/" + own + "/versions",
                ADMIN,
                "{\"effective_from\":\"" + change
                        + "\",\"off_peak\":{\"start\":\"16:30\",\"end\":\"00:30\",\"discount_percent\":50},\"rates\":"
                        + RATES.replace("1.10", "2.20") + "}");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
        Instant ends = MONTH.plusSeconds(86400 * 4L + 60 * 5); // day 5, 00:05
        contract("{\"tenant_id\":\"" + tenant + "\",\"price_book_id\":\"" + own + "\",\"valid_from\":\""
                + MONTH.minusSeconds(60) + "\",\"valid_to\":\"" + ends + "\"}");

        Instant day = MONTH.plusSeconds(86400 * 3L);
        HttpResponse<String> answer = get(
                "/api/v1/rating/price-edges?tenant_id=" + tenant + "&from=" + day + "&to=" + day.plusSeconds(2 * 86400),
                ADMIN);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        java.util.Map<Instant, String> edges = new java.util.LinkedHashMap<>();
        JSON.readTree(answer.body())
                .get("edges")
                .forEach(e -> edges.put(
                        Instant.parse(e.get("at").asString()), e.get("kind").asString()));
        assertThat(java.util.List.copyOf(edges.keySet())).as(answer.body()).isSorted();
        assertThat(edges)
                .as(answer.body())
                .containsEntry(change, "version")
                .containsEntry(day.plusSeconds(16 * 3600 + 1800), "off_peak") // day 4, 16:30 opens
                .containsEntry(ends, "contract")
                .containsEntry(day.plusSeconds(86400 + 1800), "off_peak"); // day 5, 00:30 closes
        assertThat(edges.keySet()).allMatch(at -> at.isAfter(day) && at.isBefore(day.plusSeconds(2 * 86400)));

        Instant bucket = day.plusSeconds(10 * 3600); // 10:00-10:30, across the change
        String across = "{\"tenant_id\":\"" + tenant + "\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\""
                + NEXT_MONTH + "\"},\"lines\":[{\"model\":\"deepseek-v3.2\",\"region\":\"cn-hangzhou\","
                + "\"token_class\":\"output\",\"buckets\":[{\"from\":\"" + bucket + "\",\"to\":\""
                + bucket.plusSeconds(1800) + "\",\"tokens\":1000000}]}]}";
        HttpResponse<String> refused = send("/api/v1/rating/quote", ADMIN, across);
        assertField(refused, "/lines/0/buckets/0", "price-edge");
        assertThat(refused.body()).contains(change.toString());

        JsonNode lines = quote(ADMIN, tenant, null, """
                [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","buckets":[
                  {"from":"%s","to":"%s","tokens":1000000},{"from":"%s","to":"%s","tokens":1000000}]}]""".formatted(bucket, change, change, bucket.plusSeconds(1800)))
                .get("lines");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0).get("price_book_version").asInt()).isEqualTo(1);
        assertThat(lines.get(0).get("amount_exact").decimalValue()).isEqualByComparingTo("1.10");
        assertThat(lines.get(1).get("price_book_version").asInt()).isEqualTo(2);
        assertThat(lines.get(1).get("amount_exact").decimalValue()).isEqualByComparingTo("2.20");

        Caller other = new Caller("k", Role.TENANT, "someone-else");
        assertThat(get("/api/v1/rating/price-edges?tenant_id=" + tenant + "&from=" + day + "&to=" + ends, other)
                        .statusCode())
                .isEqualTo(403);
    }

    /**
     * Off-peak by calendar: weekday nights and whole weekends in Beijing time, and a holiday priced as a Sunday. Each
     * bucket is priced by its own day; the edges are listed; a calendar that cannot be read is refused field by field.
     */
    @Test
    void aWeekdayCalendarInBeijingTimeWithAHolidayPricesEachBucketByItsDay() throws Exception {
        java.time.ZoneId beijing = java.time.ZoneId.of("Asia/Shanghai");
        LocalDate wednesday = MONTH.atZone(beijing)
                .toLocalDate()
                .plusDays(1)
                .with(java.time.temporal.TemporalAdjusters.nextOrSame(java.time.DayOfWeek.WEDNESDAY));
        LocalDate holiday = wednesday.plusDays(1);
        String calendar = """
                {"time_zone":"Asia/Shanghai","discount_percent":50,
                 "windows":[{"days":["MON","TUE","WED","THU","FRI"],"start":"00:30","end":"08:30"},
                            {"days":["SAT","SUN"],"all_day":true}],
                 "exceptions":[{"date":"%s","as":"SUN","note":"a public holiday"}]}""".formatted(holiday);
        String own = book(false, RATES);
        HttpResponse<String> version = send(
                "/api/v1/pricing/books/" + own + "/versions",
                ADMIN,
                "{\"effective_from\":\"" + MONTH.minusSeconds(60) + "\",\"off_peak\":" + calendar + ",\"rates\":"
                        + RATES + "}");
        assertThat(version.statusCode()).as(version.body()).isEqualTo(201);
        String tenant = "t-" + UUID.randomUUID();
        contract("{\"tenant_id\":\"" + tenant + "\",\"price_book_id\":\"" + own + "\",\"valid_from\":\""
                + MONTH.minusSeconds(60) + "\"}");

        java.util.function.BiFunction<LocalDate, String, Instant> at = (day, time) ->
                day.atTime(java.time.LocalTime.parse(time)).atZone(beijing).toInstant();
        HttpResponse<String> answer = get(
                "/api/v1/rating/price-edges?tenant_id=" + tenant + "&from=" + at.apply(wednesday, "00:00") + "&to="
                        + at.apply(holiday.plusDays(1), "00:00"),
                ADMIN);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        List<Instant> offPeakEdges = new java.util.ArrayList<>();
        JSON.readTree(answer.body()).get("edges").forEach(e -> {
            if (e.get("kind").asString().equals("off_peak")) {
                offPeakEdges.add(Instant.parse(e.get("at").asString()));
            }
        });
        assertThat(offPeakEdges)
                .as(answer.body())
                .containsExactly(
                        at.apply(wednesday, "00:30"), at.apply(wednesday, "08:30"), at.apply(holiday, "00:00"));

        JsonNode lines = quote(ADMIN, tenant, null, """
                [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","buckets":[
                  {"from":"%s","to":"%s","tokens":1000000},{"from":"%s","to":"%s","tokens":1000000},
                  {"from":"%s","to":"%s","tokens":1000000}]}]""".formatted(
                                at.apply(wednesday, "01:00"), at.apply(wednesday, "01:30"),
                                at.apply(wednesday, "12:00"), at.apply(wednesday, "12:30"),
                                at.apply(holiday, "12:00"), at.apply(holiday, "12:30")))
                .get("lines");
        assertThat(lines).hasSize(1);
        // Wednesday night and the holiday's noon at half of 1.10, Wednesday noon at 1.10
        assertThat(lines.get(0).get("amount_exact").decimalValue()).isEqualByComparingTo("2.20");
        assertThat(lines.get(0).get("tiers"))
                .extracting(t ->
                        t.get("off_peak").asBoolean() + ":" + t.get("tokens").asLong())
                .containsExactlyInAnyOrder("true:2000000", "false:1000000");

        HttpResponse<String> refused = send(
                "/api/v1/pricing/books/" + own + "/versions",
                ADMIN,
                "{\"effective_from\":\"" + NEXT_MONTH + "\",\"rates\":" + RATES + ",\"off_peak\":"
                        + calendar.replace("Asia/Shanghai", "Mars/Olympus")
                                .replace("\"FRI\"]", "\"FUNDAY\"]")
                                .replace("]}", ",{\"date\":\"" + holiday + "\",\"as\":\"SUN\"}]}")
                        + "}");
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
        List<String> pointers = new java.util.ArrayList<>();
        JSON.readTree(refused.body())
                .get("errors")
                .forEach(e -> pointers.add(e.get("pointer").asString()));
        assertThat(pointers)
                .as(refused.body())
                .contains("/off_peak/time_zone", "/off_peak/windows/0/days/4", "/off_peak/exceptions/1/date");
    }

    /**
     * A cost quote prices tokens by the default cost book (what providers charge us), for staff, without a tenant;
     * tiers count across the quote's lines of one model and class, as a provider's volume would.
     */
    @Test
    void aCostQuotePricesByTheDefaultCostBookForStaffOnly() throws Exception {
        String costBook = null;
        for (JsonNode b : JSON.readTree(get("/api/v1/pricing/books", ADMIN).body())) {
            if (b.get("purpose").asString().equals("cost") && b.get("default").asBoolean()) {
                costBook = b.get("id").asString();
            }
        }
        if (costBook == null) {
            HttpResponse<String> created = send(
                    "/api/v1/pricing/books",
                    ADMIN,
                    "{\"name\":\"Provider costs\",\"currency\":\"CNY\",\"purpose\":\"cost\",\"default\":true}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            costBook = JSON.readTree(created.body()).get("id").asString();
        }
        Instant from = MONTH.plusSeconds(86400 * 20L + 60 * (System.nanoTime() % 600)); // a version of this test's own
        HttpResponse<String> version =
                send("/api/v1/pricing/books/" + costBook + "/versions", ADMIN, """
                {"effective_from":"%s","rates":[
                  {"model":"glm-5","region":"cn-beijing","token_class":"output","mode":"graduated",
                   "tiers":[{"from_tokens":0,"rate_per_million":"8.00"},{"from_tokens":3000000,"rate_per_million":"6.00"}]}]}""".formatted(from));
        assertThat(version.statusCode()).as(version.body()).isEqualTo(201);
        String request = """
                {"purpose":"cost","period":{"from":"%s","to":"%s"},"lines":[
                  {"model":"glm-5","region":"cn-beijing","token_class":"output","tokens":2000000},
                  {"model":"glm-5","region":"cn-beijing","token_class":"output","tokens":2000000}]}""".formatted(from, from.plusSeconds(60));
        HttpResponse<String> answer = send("/api/v1/rating/quote", new Caller("fin", Role.FINANCE, null), request);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JsonNode lines = JSON.readTree(answer.body()).get("lines");
        assertThat(lines.get(0).get("price_book_id").asString()).isEqualTo(costBook);
        assertThat(lines.get(0).get("amount").decimalValue()).isEqualByComparingTo("16.00"); // 2M at 8
        assertThat(lines.get(1).get("amount").decimalValue()).isEqualByComparingTo("14.00"); // 1M at 8, 1M at 6

        assertThat(send("/api/v1/rating/quote", new Caller("k", Role.TENANT, "t-1"), request)
                        .statusCode())
                .isEqualTo(403);
        assertField(send("/api/v1/rating/quote", ADMIN, request.replace("\"cost\"", "\"profit\"")), "/purpose", "enum");
        assertField(
                send("/api/v1/rating/quote", ADMIN, request.replace("\"purpose\":\"cost\",", "")),
                "/tenant_id",
                "required");
    }

    @Test
    void amountsConvertThroughTheEuroToAZeroDecimalCurrencyAndAMissingRateIsAnError() throws Exception {
        defaultBook();
        LocalDate published = NEXT_MONTH.atOffset(ZoneOffset.UTC).toLocalDate().minusDays(2);
        rate("EUR", "USD", "1.0812", published);
        rate("EUR", "JPY", "162.20", published);
        JsonNode line = quote(
                        ADMIN,
                        "t-" + UUID.randomUUID(),
                        "JPY",
                        "[{\"model\":\"deepseek-v3.2\",\"region\":\"cn-hangzhou\",\"token_class\":\"output\",\"tokens\":100000000}]")
                .get("lines")
                .get(0);
        // 100M x 1.10 = 110 USD = 110 / 1.0812 x 162.20 JPY = 16,502.03... -> 16502
        assertThat(line.get("amount_exact").decimalValue()).isEqualByComparingTo("110");
        assertThat(line.get("converted").get("currency").asString()).isEqualTo("JPY");
        assertThat(line.get("converted").get("amount").decimalValue()).isEqualByComparingTo("16502");
        assertThat(line.get("converted").get("rates_used")).hasSize(2);
        assertThat(line.get("converted").get("fx_date").asString())
                .isEqualTo(NEXT_MONTH
                        .atOffset(ZoneOffset.UTC)
                        .toLocalDate()
                        .minusDays(1)
                        .toString());

        HttpResponse<String> missing = send(
                "/api/v1/rating/quote",
                ADMIN,
                "{\"tenant_id\":\"t\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\"" + NEXT_MONTH
                        + "\"},\"currency\":\"BRL\",\"lines\":[{\"model\":\"deepseek-v3.2\",\"region\":\"cn-hangzhou\",\"token_class\":\"input\",\"tokens\":1}]}");
        assertThat(missing.statusCode()).isEqualTo(422);
        assertThat(JSON.readTree(missing.body()).get("detail").asString()).contains("USD/BRL");
    }

    @Test
    void aTenantReadsThePricesThatApplyToItWithItsDiscount() throws Exception {
        defaultBook();
        String tenant = "t-" + UUID.randomUUID();
        contract("{\"tenant_id\":\"" + tenant + "\",\"discount_percent\":10,\"valid_from\":\""
                + MONTH.minusSeconds(7200) + "\"}");
        Caller self = new Caller("k", Role.TENANT, tenant);
        HttpResponse<String> r = get("/api/v1/rating/prices?at=" + MONTH.plusSeconds(60), self);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode prices = JSON.readTree(r.body());
        assertThat(prices.get("price_source").asString()).isEqualTo("contract_discount");
        assertThat(prices.get("rates").get(0).get("rate_per_million").decimalValue())
                .isEqualByComparingTo("0.243"); // 0.27 x 0.9
        assertThat(prices.get("rates")
                        .get(2)
                        .get("tiers")
                        .get(1)
                        .get("rate_per_million")
                        .decimalValue())
                .isEqualByComparingTo("0.72");
        assertThat(get("/api/v1/rating/prices?tenant_id=someone-else", self).statusCode())
                .isEqualTo(403);

        // its contracts: its own, never another's; staff name the tenant
        HttpResponse<String> own = get("/api/v1/pricing/contracts", self);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        JsonNode contracts = JSON.readTree(own.body());
        assertThat(contracts).hasSize(1);
        assertThat(contracts.get(0).get("tenant_id").asString()).isEqualTo(tenant);
        assertThat(contracts.get(0).get("discount_percent").decimalValue()).isEqualByComparingTo("10");
        assertThat(get("/api/v1/pricing/contracts?tenant_id=someone-else", self).statusCode())
                .isEqualTo(403);
        assertThat(get("/api/v1/pricing/contracts?tenant_id=" + tenant, ADMIN).body())
                .isEqualTo(own.body());
        assertThat(get("/api/v1/pricing/contracts", ADMIN).statusCode())
                .as("staff name the tenant")
                .isEqualTo(400);
    }

    @Test
    void anOffPeakShareIsDiscountedAndTheLineRoundsHalfToEven() throws Exception {
        defaultBook();
        JsonNode line = quote(
                        ADMIN,
                        "t-" + UUID.randomUUID(),
                        null,
                        "[{\"model\":\"deepseek-v3.2\",\"region\":\"cn-hangzhou\",\"token_class\":\"input\",\"tokens\":2000000,\"off_peak_tokens\":1000000}]")
                .get("lines")
                .get(0);
        assertThat(line.get("amount_exact").decimalValue()).isEqualByComparingTo("0.405"); // 0.27 + 0.27 x 0.5
        assertThat(line.get("amount").decimalValue()).isEqualByComparingTo("0.40"); // half to even
        assertThat(line.get("tiers").get(1).get("off_peak").asBoolean()).isTrue();
    }

    @Test
    void anOffPeakWindowWithItsOwnRatesReplacesTheRegularRateInsideIt() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        JsonNode book = JSON.readTree(
                send("/api/v1/pricing/books", ADMIN, "{\"name\":\"Night\",\"currency\":\"USD\",\"purpose\":\"sell\"}")
                        .body());
        String id = book.get("id").asString();
        HttpResponse<String> v = send(
                "/api/v1/pricing/books/" + id + "/versions",
                ADMIN,
                "{\"effective_from\":\"" + MONTH.minusSeconds(60)
                        + "\",\"off_peak\":{\"start\":\"16:30\",\"end\":\"00:30\",\"rates\":[{\"model\":\"deepseek-v3.2\",\"region\":\"cn-hangzhou\","
                        + "\"token_class\":\"input\",\"rate_per_million\":0.07}]},\"rates\":" + RATES + "}");
        assertThat(v.statusCode()).as(v.body()).isEqualTo(201);
        contract("{\"tenant_id\":\"" + tenant + "\",\"price_book_id\":\"" + id + "\",\"valid_from\":\""
                + MONTH.minusSeconds(60) + "\"}");
        JsonNode lines = quote(ADMIN, tenant, null, """
                [{"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"input","tokens":2000000,"off_peak_tokens":1000000},
                 {"model":"deepseek-v3.2","region":"cn-hangzhou","token_class":"output","tokens":1000000,"off_peak_tokens":1000000}]""").get("lines");
        assertThat(lines.get(0).get("amount_exact").decimalValue()).isEqualByComparingTo("0.34"); // 0.27 + 0.07
        assertThat(lines.get(1).get("amount_exact").decimalValue())
                .isEqualByComparingTo("1.10"); // no own rate and no discount

        HttpResponse<String> unknown = send(
                "/api/v1/pricing/books/" + id + "/versions",
                ADMIN,
                "{\"effective_from\":\"" + MONTH.plusSeconds(60)
                        + "\",\"off_peak\":{\"start\":\"16:30\",\"end\":\"00:30\",\"rates\":[{\"model\":\"gpt-5\",\"region\":\"us\","
                        + "\"token_class\":\"input\",\"rate_per_million\":0.5}]},\"rates\":" + RATES + "}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(unknown.body()).get("detail").asString()).contains("has no regular rate");
    }

    @Test
    void theRateCardGivesTheMostATokenCanCostNowInTheAskedCurrency() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        Instant soon = Instant.now().plusSeconds(2);
        JsonNode book = JSON.readTree(
                send("/api/v1/pricing/books", ADMIN, "{\"name\":\"Card\",\"currency\":\"USD\",\"purpose\":\"sell\"}")
                        .body());
        String id = book.get("id").asString();
        // off-peak makes input dearer here (0.50 over 0.27): the card must take the higher of the two
        HttpResponse<String> v = send(
                "/api/v1/pricing/books/" + id + "/versions",
                ADMIN,
                "{\"effective_from\":\"" + soon
                        + "\",\"off_peak\":{\"start\":\"00:00\",\"end\":\"00:01\",\"rates\":[{\"model\":\"deepseek-v3.2\",\"region\":\"cn-hangzhou\","
                        + "\"token_class\":\"input\",\"rate_per_million\":0.50}]},\"rates\":" + RATES + "}");
        assertThat(v.statusCode()).as(v.body()).isEqualTo(201);
        Instant contractEnd =
                Instant.now().plus(java.time.Duration.ofHours(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        contract("{\"tenant_id\":\"" + tenant + "\",\"price_book_id\":\"" + id + "\",\"valid_from\":\""
                + soon.minusSeconds(1) + "\",\"valid_to\":\"" + contractEnd + "\"}");
        rate("EUR", "USD", "1.25", LocalDate.now(ZoneOffset.UTC));
        await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> Instant.now().isAfter(soon));

        Caller self = new Caller("k", Role.TENANT, tenant);
        HttpResponse<String> r = get("/api/v1/rating/rate-card?currency=EUR", self);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode card = JSON.readTree(r.body());
        assertThat(card.get("price_book_id").asString()).isEqualTo(id);
        assertThat(card.get("fx_rate").decimalValue()).isEqualByComparingTo("0.8");
        java.util.Map<String, java.math.BigDecimal> rates = new java.util.HashMap<>();
        card.get("rates")
                .forEach(e -> rates.put(
                        e.get("model").asString() + "/" + e.get("token_class").asString(),
                        e.get("max_rate_per_million").decimalValue()));
        assertThat(rates.get("deepseek-v3.2/input")).isEqualByComparingTo("0.40"); // off-peak 0.50 USD x 0.8
        assertThat(rates.get("deepseek-v3.2/output")).isEqualByComparingTo("0.88"); // 1.10 x 0.8
        assertThat(rates.get("glm-5/input")).isEqualByComparingTo("0.80"); // the dearest tier, 1.00 x 0.8

        // what a token costs at the card's instant: the first tier, the window's own rate inside the window
        Instant at = Instant.parse(card.get("at").asString());
        boolean inWindow = at.atOffset(ZoneOffset.UTC).toLocalTime().isBefore(java.time.LocalTime.of(0, 1));
        assertThat(card.get("off_peak").asBoolean()).isEqualTo(inWindow);
        java.util.Map<String, java.math.BigDecimal> now = new java.util.HashMap<>();
        card.get("rates")
                .forEach(e -> now.put(
                        e.get("model").asString() + "/" + e.get("token_class").asString(),
                        e.get("rate_per_million_now").decimalValue()));
        assertThat(now.get("deepseek-v3.2/input")).isEqualByComparingTo(inWindow ? "0.40" : "0.216"); // 0.27 x 0.8
        assertThat(now.get("deepseek-v3.2/output")).isEqualByComparingTo("0.88");
        assertThat(now.get("glm-5/input")).isEqualByComparingTo("0.80"); // the first tier, 1.00 x 0.8

        // valid until the contract ends, the FX day ends or the window opens or closes, whichever is first
        Instant validUntil = Instant.parse(card.get("valid_until").asString());
        Instant midnight =
                LocalDate.now(ZoneOffset.UTC).plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        Instant edge =
                inWindow ? at.truncatedTo(java.time.temporal.ChronoUnit.DAYS).plusSeconds(60) : midnight;
        assertThat(validUntil).isEqualTo(contractEnd.isBefore(edge) ? contractEnd : edge);

        assertThat(get("/api/v1/rating/rate-card?tenant_id=someone-else", self).statusCode())
                .isEqualTo(403);
        assertThat(get("/api/v1/rating/rate-card?currency=BRL", self).statusCode())
                .isEqualTo(422);
    }

    /** A quote is bounded in lines, buckets and period, and each refusal names where it is. */
    @Test
    void aQuoteOverItsBoundsIsRefusedNamingTheField() throws Exception {
        String line = "{\"model\":\"glm-5\",\"region\":\"cn-beijing\",\"token_class\":\"input\",\"tokens\":1}";
        String manyLines = "{\"tenant_id\":\"t\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\"" + NEXT_MONTH
                + "\"},\"lines\":[" + String.join(",", java.util.Collections.nCopies(1001, line)) + "]}";
        assertField(send("/api/v1/rating/quote", ADMIN, manyLines), "/lines", "size");
        String longPeriod = "{\"tenant_id\":\"t\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\""
                + MONTH.plus(401, java.time.temporal.ChronoUnit.DAYS) + "\"},\"lines\":[" + line + "]}";
        assertField(send("/api/v1/rating/quote", ADMIN, longPeriod), "/period/to", "range");
        StringBuilder buckets = new StringBuilder();
        for (int i = 0; i < 20_001; i++) {
            java.time.Instant from = MONTH.plusSeconds(60L * i);
            buckets.append(i == 0 ? "" : ",")
                    .append("{\"from\":\"")
                    .append(from)
                    .append("\",\"to\":\"")
                    .append(from.plusSeconds(60))
                    .append("\",\"tokens\":1}");
        }
        String manyBuckets =
                "{\"tenant_id\":\"t\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\"" + NEXT_MONTH + "\"},\"lines\":["
                        + "{\"model\":\"glm-5\",\"region\":\"cn-beijing\",\"token_class\":\"input\",\"buckets\":["
                        + buckets + "]}]}";
        assertField(send("/api/v1/rating/quote", ADMIN, manyBuckets), "/lines/0/buckets", "size");
        String noModel = "{\"tenant_id\":\"t\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\"" + NEXT_MONTH
                + "\"},\"lines\":[" + line.replace("\"model\":\"glm-5\",", "") + "]}";
        assertField(send("/api/v1/rating/quote", ADMIN, noModel), "/lines/0/model", "required");
    }

    private static void assertField(HttpResponse<String> response, String pointer, String rule) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = JSON.readTree(response.body()).get("errors").get(0);
        assertThat(error.get("pointer").asString()).as(response.body()).isEqualTo(pointer);
        assertThat(error.get("rule").asString()).isEqualTo(rule);
        assertThat(error.get("detail").asString()).isNotBlank();
    }

    @Test
    void aTenantQuotesOnlyForItself() throws Exception {
        Caller tenant = new Caller("k", Role.TENANT, "tenant-x");
        String body = "{\"tenant_id\":\"%s\",\"period\":{\"from\":\"" + MONTH + "\",\"to\":\"" + NEXT_MONTH
                + "\"},\"lines\":[{\"model\":\"glm-5\",\"region\":\"cn-beijing\",\"token_class\":\"input\",\"tokens\":1}]}";
        assertThat(send("/api/v1/rating/quote", tenant, body.formatted("tenant-y"))
                        .statusCode())
                .isEqualTo(403);
        assertThat(send("/api/v1/rating/quote", tenant, body.formatted("tenant-x"))
                        .statusCode())
                .isEqualTo(200);
    }

    private void contract(String body) throws Exception {
        HttpResponse<String> r = send("/api/v1/pricing/contracts", ADMIN, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private void rate(String base, String quote, String rate, LocalDate asOf) throws Exception {
        HttpResponse<String> r = send(
                "/api/v1/fx/rates",
                ADMIN,
                "{\"base\":\"" + base + "\",\"quote\":\"" + quote + "\",\"rate\":" + rate + ",\"as_of\":\"" + asOf
                        + "\",\"source\":\"test-" + UUID.randomUUID() + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private HttpResponse<String> get(String path, Caller caller) throws Exception {
        return HTTP.send(
                SignedCalls.request(
                        "http://localhost:" + environment.getProperty("local.server.port"), "GET", path, caller, null),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String path, Caller caller, String body) throws Exception {
        return LocalServer.of(environment).signed("POST", path, caller, body);
    }
}
