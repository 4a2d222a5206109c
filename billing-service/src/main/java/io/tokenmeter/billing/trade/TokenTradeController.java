package io.tokenmeter.billing.trade;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.starter.access.Access;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.InvalidField;
import io.tokenmeter.starter.web.QueryParams;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** The token-trade statement for finance and admins, as JSON, CSV or PDF. */
@RestController
class TokenTradeController {

    static final String PATH = "/api/v1/reports/token-trade";

    private final TokenTradeService statements;
    private final TokenTradePdf pdf;

    TokenTradeController(TokenTradeService statements, TokenTradePdf pdf) {
        this.statements = statements;
        this.pdf = pdf;
    }

    @GetMapping(PATH)
    @Operation(
            summary = "Token exports: per month x buyer country x serving region x model, tokens, revenue, provider "
                    + "cost and margin in a reporting currency, with the tax treatment; invoiced and not yet "
                    + "invoiced apart (finance, admin)",
            description = "format=json (default), csv or pdf. from and to are ISO-8601 instants; at most 400 days.")
    ResponseEntity<?> statement(
            Caller caller,
            @RequestParam String from,
            @RequestParam String to,
            @RequestParam String currency,
            @RequestParam(defaultValue = "json") String format) {
        Access.staff(caller, "the token-trade statement is for finance and admin keys");
        Instant start = QueryParams.instant("from", from);
        Instant end = QueryParams.instant("to", to);
        QueryParams.checkPeriod(start, end, Duration.ofDays(400));
        try {
            MinorUnits.currency(currency);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(InvalidField.parameter("currency", "iso-4217", e.getMessage()));
        }
        if (!format.equals("json") && !format.equals("csv") && !format.equals("pdf")) {
            throw ApiException.invalid(
                    InvalidField.parameter("format", "enum", "format is json, csv or pdf: " + format));
        }
        TokenTradeStatement statement = statements.statement(start, end, currency, Instant.now());
        String name = "token-trade-" + start.toString().substring(0, 10) + "-"
                + end.toString().substring(0, 10);
        return switch (format) {
            case "csv" -> {
                StringWriter csv = new StringWriter();
                TokenTradeCsv.write(statement, csv);
                yield ResponseEntity.ok()
                        .contentType(new MediaType("text", "csv", StandardCharsets.UTF_8))
                        .header(HttpHeaders.CONTENT_DISPOSITION, attachment(name + ".csv"))
                        .body(csv.toString().getBytes(StandardCharsets.UTF_8));
            }
            case "pdf" ->
                ResponseEntity.ok()
                        .contentType(MediaType.APPLICATION_PDF)
                        .header(HttpHeaders.CONTENT_DISPOSITION, attachment(name + ".pdf"))
                        .body(pdf.render(statement));
            default ->
                ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(statement);
        };
    }

    private static String attachment(String filename) {
        return ContentDisposition.attachment().filename(filename).build().toString();
    }
}
