package io.tokenmeter.billing;

import io.tokenmeter.billing.invoice.Invoice;
import io.tokenmeter.billing.invoice.InvoiceLine;
import io.tokenmeter.billing.invoice.InvoiceRepository;
import io.tokenmeter.billing.invoice.LineKind;
import io.tokenmeter.billing.issuer.Issuer;
import io.tokenmeter.billing.profile.BillingProfile;
import io.tokenmeter.billing.tax.TaxRule;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.testsupport.LocalServer;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.SignedCalls;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ledger: money rules, gapless numbering under concurrency, immutability down to SQL, credit notes, access. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class InvoiceRepositoryTest {

    static final Caller FINANCE = new Caller("key-finance", Role.FINANCE, null);
    static final Caller ADMIN = new Caller("key-admin", Role.ADMIN, null);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Instant FEB = Instant.parse("2026-02-01T00:00:00Z");
    private static final Instant MAR = Instant.parse("2026-03-01T00:00:00Z");
    private static final TaxRule GST =
            new TaxRule(1, "SG", "SG", "any", "GST 9%", new BigDecimal("9"), "GST charged at 9%.", "domestic");

    /** Pricing's side of issuing: records each invoice, and refuses those of tenant ten_stale (prices changed). */
    private static com.sun.net.httpserver.HttpServer pricing;

    private static final Set<String> TOLD_PRICING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @org.springframework.test.context.DynamicPropertySource
    static void pricing(org.springframework.test.context.DynamicPropertyRegistry registry) throws Exception {
        pricing = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        pricing.createContext(io.tokenmeter.contracts.rating.InvoicedPeriodApi.PATH, exchange -> {
            JsonNode told = JSON.readTree(exchange.getRequestBody().readAllBytes());
            if (told.get("tenant_id").asString().equals("ten_stale")) {
                byte[] problem = ("{\"status\":409,\"detail\":\"the prices of the period changed after this draft"
                                + " was priced; re-rate the draft before issuing it\"}")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
                exchange.sendResponseHeaders(409, problem.length);
                exchange.getResponseBody().write(problem);
            } else {
                TOLD_PRICING.add(told.get("invoice_number").asString());
                exchange.sendResponseHeaders(204, -1);
            }
            exchange.close();
        });
        pricing.start();
        registry.add(
                "tokenmeter.billing.services.pricing",
                () -> "http://127.0.0.1:" + pricing.getAddress().getPort());
    }

    @org.junit.jupiter.api.AfterAll
    static void stopPricing() {
        pricing.stop(0);
    }

    @Autowired
    InvoiceRepository ledger;

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Environment environment;

    Issuer issuer;
    String year = Integer.toString(Year.now(ZoneOffset.UTC).getValue());

    /** A fresh issuer per test, so its number series starts at 1 whatever else ran against this database. */
    @BeforeEach
    void issuer() {
        String id = "T"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 8).toUpperCase();
        issuer = new Issuer(id, "TokenMeter Test Pte. Ltd.", "SG", "M90000000X", false);
        jdbc.update(
                "INSERT INTO issuer (id, legal_name, country, tax_id, created_by) VALUES (?, ?, ?, ?, 'test')",
                id,
                issuer.legalName(),
                issuer.country(),
                issuer.taxId());
    }

    /**
     * The service's own database role owns nothing: the triggers that keep issued invoices, their lines and credit
     * notes
     * immutable can be neither disabled nor dropped through the application's connection.
     */
    @Test
    void theApplicationsRoleCannotDisableOrDropTheImmutabilityTriggers() {
        for (String sql : java.util.List.of(
                "ALTER TABLE invoice DISABLE TRIGGER invoice_immutable",
                "DROP TRIGGER invoice_immutable ON invoice",
                "ALTER TABLE invoice_line DISABLE TRIGGER ALL",
                "DROP TRIGGER credit_note_no_change ON credit_note",
                "ALTER TABLE invoice OWNER TO CURRENT_USER",
                "CREATE TABLE sneaky (id int)")) {
            assertThatThrownBy(() -> jdbc.execute(sql))
                    .as(sql)
                    .satisfies(e -> assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(e)
                                    .getMessage())
                            .containsAnyOf("must be owner", "permission denied"));
        }
        assertThat(jdbc.queryForObject("SELECT current_user", String.class)).endsWith("_app");
    }

    @Test
    void linesAddUpAndTaxIsRoundedOnceToTheCurrencysMinorUnitsHalfToEven() {
        Invoice sgd = draft("ten_a", "SGD", GST, "0.33", "0.33", "0.34");
        assertThat(sgd.subtotal()).isEqualByComparingTo("1.00");
        assertThat(sgd.tax()).isEqualByComparingTo("0.09");
        assertThat(sgd.total()).isEqualByComparingTo("1.09");

        Invoice jpy = draft("ten_a", "JPY", GST, "100", "55"); // 155 x 9 % = 13.95 -> 14
        assertThat(jpy.tax()).isEqualByComparingTo("14");
        assertThat(jpy.total()).isEqualByComparingTo("169");

        TaxRule five = new TaxRule(2, "SG", "KW", "any", "5%", new BigDecimal("5"), null, "foreign_tax");
        Invoice kwd = draft("ten_a", "KWD", five, "1.234", "0.001"); // 1.235 x 5 % = 0.06175 -> 0.062
        assertThat(kwd.tax()).isEqualByComparingTo("0.062");
        assertThat(kwd.total()).isEqualByComparingTo("1.297");

        TaxRule evenCase = new TaxRule(3, "SG", "SG", "any", "10%", BigDecimal.TEN, null, "domestic");
        assertThat(draft("ten_a", "SGD", evenCase, "0.25").tax())
                .as("0.025 is a tie: to even")
                .isEqualByComparingTo("0.02");
        assertThat(draft("ten_a", "SGD", evenCase, "0.35").tax())
                .as("0.035 is a tie: to even")
                .isEqualByComparingTo("0.04");

        assertThatThrownBy(() -> draft("ten_a", "SGD", GST, "0.333")).hasMessageContaining("not rounded");
        assertThat(sgd.lines()).extracting(InvoiceLine::position).containsExactly(1, 2, 3);
        assertThat(sgd.taxRule().get("legal_note").asString()).isEqualTo("GST charged at 9%.");
        assertThat(sgd.buyer().get("legal_name").asString()).isEqualTo("ten_a Pte. Ltd.");
    }

    @Test
    void concurrentIssuingNumbersEveryInvoiceOnceWithoutGaps() throws Exception {
        List<UUID> drafts = IntStream.range(0, 30)
                .mapToObj(i -> draft("ten_n", "SGD", GST, "1.00").id())
                .toList();
        List<Future<HttpResponse<String>>> issued = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            for (UUID id : drafts) {
                issued.add(pool.submit(() -> send("POST", "/api/v1/billing/invoices/" + id + "/issue", FINANCE, null)));
            }
        }
        Set<String> numbers = new HashSet<>();
        for (Future<HttpResponse<String>> f : issued) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            numbers.add(JSON.readTree(r.body()).get("number").asString());
        }
        assertThat(numbers)
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(1, 30)
                        .mapToObj(n -> "%s-%s-%06d".formatted(issuer.id(), year, n))
                        .toList());
        HttpResponse<String> again =
                send("POST", "/api/v1/billing/invoices/" + drafts.getFirst() + "/issue", FINANCE, null);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(send(
                                        "POST",
                                        "/api/v1/billing/invoices/"
                                                + draft("ten_n", "SGD", GST, "2.00")
                                                        .id() + "/issue",
                                        FINANCE,
                                        null)
                                .body())
                        .get("number")
                        .asString())
                .isEqualTo("%s-%s-%06d".formatted(issuer.id(), year, 31));
        assertThat(TOLD_PRICING)
                .as("pricing heard of each before it was issued")
                .containsAll(numbers);
    }

    /**
     * Pricing refuses an invoice whose period's prices changed after its draft was priced: it stays a draft, and the
     * number it would have had goes to the next invoice (no gap).
     */
    @Test
    void aDraftPricedBeforeItsPeriodsPricesChangedIsNotIssuedAndUsesNoNumber() throws Exception {
        UUID stale = draft("ten_stale", "SGD", GST, "5.00").id();
        HttpResponse<String> refused = send("POST", "/api/v1/billing/invoices/" + stale + "/issue", FINANCE, null);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(refused.body()).get("detail").asString()).contains("re-rate the draft");
        assertThat(jdbc.queryForObject("SELECT status FROM invoice WHERE id = ?", String.class, stale))
                .isEqualTo("draft");
        HttpResponse<String> next = send(
                "POST",
                "/api/v1/billing/invoices/"
                        + draft("ten_fresh", "SGD", GST, "5.00").id() + "/issue",
                FINANCE,
                null);
        assertThat(JSON.readTree(next.body()).get("number").asString())
                .isEqualTo("%s-%s-%06d".formatted(issuer.id(), year, 1));
    }

    @Test
    void anIssuedInvoiceIsImmutableEvenToSqlButItsPaymentIsRecorded() {
        Invoice draft = draft("ten_i", "SGD", GST, "10.00");
        jdbc.update("UPDATE invoice SET created_by = 'edited while a draft' WHERE id = ?", draft.id());
        Invoice invoice = ledger.issue(draft.id(), (draft1, number) -> {});

        assertThatThrownBy(() ->
                        jdbc.update("UPDATE invoice SET total = 0, subtotal = 0, tax = 0 WHERE id = ?", invoice.id()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("immutable");
        assertThatThrownBy(() ->
                        jdbc.update("UPDATE invoice SET status = 'draft', number = NULL WHERE id = ?", invoice.id()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("immutable");
        assertThatThrownBy(() -> jdbc.update("UPDATE invoice_line SET amount = 0 WHERE invoice_id = ?", invoice.id()))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("immutable");
        assertThatThrownBy(() -> jdbc.update(
                        "INSERT INTO invoice_line (id, invoice_id, position, kind, description, amount) "
                                + "VALUES (gen_random_uuid(), ?, 99, 'usage', 'smuggled', 5)",
                        invoice.id()))
                .isInstanceOf(DataAccessException.class);
        assertThatThrownBy(() -> jdbc.update("DELETE FROM invoice WHERE id = ?", invoice.id()))
                .isInstanceOf(DataAccessException.class);

        Invoice paid = ledger.markPaid(invoice.id());
        assertThat(paid.paidAt()).isNotNull();
        assertThat(paid.total()).isEqualByComparingTo("10.90");
        assertThat(paid.number()).isEqualTo(invoice.number());
    }

    @Test
    void creditNotesHaveTheirOwnSeriesAndNeverCreditMoreThanWasInvoiced() throws Exception {
        UUID id = ledger.issue(draft("ten_c", "SGD", GST, "60.00", "40.00").id(), (d, n) -> {})
                .id(); // 100.00 + 9.00 tax

        HttpResponse<String> partial = send(
                "POST",
                "/api/v1/billing/invoices/" + id + "/credit-notes",
                FINANCE,
                "{\"amount\":30.00,\"reason\":\"disputed: outage on Feb 12\"}");
        assertThat(partial.statusCode()).as(partial.body()).isEqualTo(201);
        JsonNode note = JSON.readTree(partial.body());
        assertThat(note.get("number").asString()).isEqualTo("%s-CN-%s-%06d".formatted(issuer.id(), year, 1));
        assertThat(note.get("tax").decimalValue()).isEqualByComparingTo("2.70");
        assertThat(note.get("total").decimalValue()).isEqualByComparingTo("32.70");

        HttpResponse<String> tooMuch = send(
                "POST",
                "/api/v1/billing/invoices/" + id + "/credit-notes",
                FINANCE,
                "{\"amount\":70.01,\"reason\":\"more than is left\"}");
        assertThat(tooMuch.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(tooMuch.body()).get("detail").asString()).contains("70.00");

        HttpResponse<String> voided =
                send("POST", "/api/v1/billing/invoices/" + id + "/void", FINANCE, "{\"reason\":\"billed in error\"}");
        assertThat(voided.statusCode()).as(voided.body()).isEqualTo(201);
        JsonNode full = JSON.readTree(voided.body());
        assertThat(full.get("number").asString()).isEqualTo("%s-CN-%s-%06d".formatted(issuer.id(), year, 2));
        assertThat(full.get("subtotal").decimalValue()).isEqualByComparingTo("70.00");
        assertThat(full.get("tax").decimalValue()).isEqualByComparingTo("6.30");
        assertThat(full.get("full_credit").asBoolean()).isTrue();

        JsonNode notes = JSON.readTree(send("GET", "/api/v1/billing/invoices/" + id + "/credit-notes", FINANCE, null)
                .body());
        BigDecimal credited = BigDecimal.ZERO;
        for (JsonNode n : notes) {
            credited = credited.add(n.get("total").decimalValue());
        }
        assertThat(credited).as("credited exactly what was invoiced").isEqualByComparingTo("109.00");
        JsonNode listed = JSON.readTree(send(
                                "GET",
                                "/api/v1/billing/credit-notes?tenant_id=ten_c",
                                new Caller("key-c", Role.TENANT, "ten_c"),
                                null)
                        .body())
                .get("items");
        assertThat(listed)
                .extracting(n -> n.get("number").asString())
                .contains(note.get("number").asString(), full.get("number").asString());
        JsonNode others = JSON.readTree(
                        send("GET", "/api/v1/billing/credit-notes", new Caller("key-z", Role.TENANT, "ten_z"), null)
                                .body())
                .get("items");
        assertThat(others).as("a tenant lists only its own credit notes").isEmpty();
        assertThat(send(
                                "GET",
                                "/api/v1/billing/credit-notes?tenant_id=ten_c",
                                new Caller("key-z", Role.TENANT, "ten_z"),
                                null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(JSON.readTree(send("GET", "/api/v1/billing/invoices/" + id, FINANCE, null)
                                .body())
                        .get("status")
                        .asString())
                .isEqualTo("VOID");
        assertThat(send(
                                "POST",
                                "/api/v1/billing/invoices/" + id + "/credit-notes",
                                FINANCE,
                                "{\"amount\":1,\"reason\":\"x\"}")
                        .statusCode())
                .isEqualTo(409);
        assertThatThrownBy(() -> jdbc.update("UPDATE credit_note SET total = 0 WHERE invoice_id = ?", id))
                .isInstanceOf(DataAccessException.class)
                .hasMessageContaining("append-only");
        UUID draftId = draft("ten_c", "SGD", GST, "1.00").id();
        assertThat(send("POST", "/api/v1/billing/invoices/" + draftId + "/void", FINANCE, "{\"reason\":\"x\"}")
                        .statusCode())
                .as("a draft is not credited")
                .isEqualTo(409);
    }

    @Test
    void tenantsReadOnlyTheirOwnInvoicesAndOnlyFinanceIssuesOrCredits() throws Exception {
        String a = "ten_a_" + UUID.randomUUID();
        String b = "ten_b_" + UUID.randomUUID();
        UUID ofA = draft(a, "EUR", GST, "5.00").id();
        draft(b, "EUR", GST, "7.00");
        Caller tenantA = new Caller("key-a", Role.TENANT, a);
        Caller tenantB = new Caller("key-b", Role.TENANT, b);

        JsonNode listed = JSON.readTree(
                        send("GET", "/api/v1/billing/invoices", tenantA, null).body())
                .get("items");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("tenant_id").asString()).isEqualTo(a);
        assertThat(send("GET", "/api/v1/billing/invoices?tenant_id=" + b, tenantA, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(send("GET", "/api/v1/billing/invoices/" + ofA, tenantB, null).statusCode())
                .isEqualTo(404);
        assertThat(send("GET", "/api/v1/billing/invoices/" + ofA + "/credit-notes", tenantB, null)
                        .statusCode())
                .isEqualTo(404);
        assertThat(send("GET", "/api/v1/billing/invoices/" + ofA, tenantA, null).statusCode())
                .isEqualTo(200);

        assertThat(send("POST", "/api/v1/billing/invoices/" + ofA + "/issue", tenantA, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(send("POST", "/api/v1/billing/invoices/" + ofA + "/issue", ADMIN, null)
                        .statusCode())
                .isEqualTo(403);
        assertThat(send("POST", "/api/v1/billing/invoices/" + ofA + "/issue", FINANCE, null)
                        .statusCode())
                .isEqualTo(200);
        assertThat(send(
                                "POST",
                                "/api/v1/billing/invoices/" + ofA + "/credit-notes",
                                tenantA,
                                "{\"amount\":1,\"reason\":\"mine\"}")
                        .statusCode())
                .isEqualTo(403);

        JsonNode filtered = JSON.readTree(send(
                                "GET",
                                "/api/v1/billing/invoices?tenant_id=" + b + "&currency=EUR&status=DRAFT",
                                FINANCE,
                                null)
                        .body())
                .get("items");
        assertThat(filtered).hasSize(1);
        assertThat(filtered.get(0).get("total").decimalValue()).isEqualByComparingTo("7.63");
    }

    @Test
    void anInvoicePdfShowsTheTotalsAndTheLegalNoteAndOnlyItsTenantCanReadIt() throws Exception {
        TaxRule reverseCharge = new TaxRule(
                4,
                "SG",
                "EU",
                "business",
                "EU reverse charge",
                BigDecimal.ZERO,
                "Reverse charge: VAT to be accounted for by the recipient.",
                "reverse_charge");
        String tenant = "ten_pdf_" + UUID.randomUUID();
        BillingProfile buyer = new BillingProfile(
                tenant, "Acme", "Acme Robotics GmbH", "DE", "DE123456789", "EUR", null, "ACTIVE", FEB);
        List<InvoiceLine> lines = List.of(
                InvoiceLine.draft(
                        LineKind.USAGE,
                        "glm-5 output tokens, cn-beijing",
                        "glm-5",
                        "cn-beijing",
                        "output",
                        null,
                        null,
                        250_000_000L,
                        new BigDecimal("3.20"),
                        "USD",
                        new BigDecimal("800.00"),
                        new BigDecimal("0.9210"),
                        java.time.LocalDate.parse("2026-02-27"),
                        "ECB",
                        new BigDecimal("736.80")),
                InvoiceLine.draft(
                        LineKind.ADJUSTMENT,
                        "late usage of 2026-01: deepseek-v3.2 input",
                        "deepseek-v3.2",
                        "cn-hangzhou",
                        "input",
                        Instant.parse("2026-01-01T00:00:00Z"),
                        FEB,
                        10_000_000L,
                        new BigDecimal("0.27"),
                        "USD",
                        new BigDecimal("2.70"),
                        new BigDecimal("0.9210"),
                        java.time.LocalDate.parse("2026-02-27"),
                        "ECB",
                        new BigDecimal("2.49")));
        Invoice invoice = ledger.issue(
                ledger.createDraft(buyer, issuer, reverseCharge, FEB, MAR, lines, "test")
                        .id(),
                (draft, number) -> {});

        HttpResponse<byte[]> pdf = HTTP.send(
                request(
                                "GET",
                                "/api/v1/billing/invoices/" + invoice.id() + "/pdf",
                                new Caller("key-pdf", Role.TENANT, tenant),
                                null)
                        .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(pdf.statusCode()).isEqualTo(200);
        assertThat(pdf.headers().firstValue("content-type")).hasValue("application/pdf");
        java.nio.file.Files.write(java.nio.file.Path.of("target", "invoice-sample.pdf"), pdf.body()); // to look at
        String text;
        try (var document = org.apache.pdfbox.Loader.loadPDF(pdf.body())) {
            text = new org.apache.pdfbox.text.PDFTextStripper().getText(document);
        }
        assertThat(text)
                .contains(invoice.number())
                .contains("Acme Robotics GmbH")
                .contains("DE123456789")
                .contains("TokenMeter Test Pte. Ltd.")
                .contains("250,000,000")
                .contains("736.80")
                .contains("2.49")
                .contains("739.29 EUR")
                .contains("0.00 EUR")
                .contains("Reverse charge: VAT to be accounted for by the recipient.");
        assertThat(send(
                                "GET",
                                "/api/v1/billing/invoices/" + invoice.id() + "/pdf",
                                new Caller("key-x", Role.TENANT, "ten_other"),
                                null)
                        .statusCode())
                .isEqualTo(404);

        HttpResponse<String> csv =
                send("GET", "/api/v1/billing/exports/invoice-lines.csv?tenant_id=" + tenant, FINANCE, null);
        assertThat(csv.statusCode()).isEqualTo(200);
        var records = org.apache.commons.csv.CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new java.io.StringReader(csv.body()))
                .getRecords();
        assertThat(records).hasSize(2);
        assertThat(records.get(0).get("invoice_number")).isEqualTo(invoice.number());
        assertThat(records.get(0).get("fx_rate")).isEqualTo("0.9210");
        assertThat(records.get(1).get("kind")).isEqualTo("ADJUSTMENT");
        assertThat(records.get(1).get("usage_period_start")).isEqualTo("2026-01-01T00:00:00Z");
        assertThat(records.get(1).get("invoice_total")).isEqualTo("739.29");
        assertThat(send(
                                "GET",
                                "/api/v1/billing/exports/invoice-lines.csv",
                                new Caller("key-t", Role.TENANT, tenant),
                                null)
                        .statusCode())
                .isEqualTo(403);
    }

    private Invoice draft(String tenant, String currency, TaxRule rule, String... amounts) {
        BillingProfile buyer =
                new BillingProfile(tenant, tenant, tenant + " Pte. Ltd.", "SG", null, currency, null, "ACTIVE", FEB);
        List<InvoiceLine> lines = new ArrayList<>();
        for (String amount : amounts) {
            lines.add(InvoiceLine.draft(
                    LineKind.USAGE,
                    "glm-5 output tokens, cn-beijing",
                    "glm-5",
                    "cn-beijing",
                    "output",
                    null,
                    null,
                    1_000_000L,
                    new BigDecimal("3.20"),
                    "USD",
                    new BigDecimal("3.20"),
                    null,
                    null,
                    null,
                    new BigDecimal(amount)));
        }
        return ledger.createDraft(buyer, issuer, rule, FEB, MAR, lines, "test");
    }

    private HttpResponse<String> send(String method, String path, Caller caller, String body) throws Exception {
        return LocalServer.of(environment).signed(method, path, caller, body);
    }

    private HttpRequest.Builder request(String method, String path, Caller caller, String body) {
        return SignedCalls.builder(
                "http://localhost:" + environment.getProperty("local.server.port"),
                method,
                path,
                caller,
                body,
                "application/json");
    }
}
