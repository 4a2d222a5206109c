package io.tokenmeter.console.reports;

import io.tokenmeter.console.platform.Platform;
import io.tokenmeter.console.session.ConsoleSession;
import io.tokenmeter.console.web.Downloads;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.JsonNode;

import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * Finance's reports: the token-trade statement of a month (what was sold abroad and at home, revenue, provider cost
 * and margin in a reporting currency, tax treatment, the energy estimate) with its CSV and PDF, and revenue per
 * invoice currency.
 */
@Controller
class ReportsController {

    private static final String PATH = "/api/v1/reports/token-trade";

    private final Platform platform;
    private final ConsoleSession session;

    ReportsController(Platform platform, ConsoleSession session) {
        this.platform = platform;
        this.session = session;
    }

    @GetMapping("/console/finance/reports")
    String statement(
            @RequestParam(required = false) String month,
            @RequestParam(defaultValue = "USD") String currency,
            Model model) {
        YearMonth period;
        try {
            period = month == null || month.isBlank() ? YearMonth.now(ZoneOffset.UTC) : YearMonth.parse(month.strip());
        } catch (DateTimeParseException e) {
            model.addAttribute("monthError", "A month such as 2026-11.");
            period = YearMonth.now(ZoneOffset.UTC);
        }
        String code = currency.strip().toUpperCase(java.util.Locale.ROOT);
        Map<String, Object> query = query(period, code);
        JsonNode statement = platform.get(session.key(), PATH, query);
        model.addAttribute("month", period.toString());
        model.addAttribute("currency", code);
        model.addAttribute("statement", statement);
        model.addAttribute("revenue", RevenueByCurrency.of(statement));
        return "reports";
    }

    @GetMapping("/console/finance/reports/token-trade.{format:csv|pdf}")
    ResponseEntity<byte[]> download(
            @RequestParam String month,
            @RequestParam(defaultValue = "USD") String currency,
            @org.springframework.web.bind.annotation.PathVariable String format) {
        YearMonth period = YearMonth.parse(month.strip());
        Map<String, Object> query = new java.util.HashMap<>(query(period, currency));
        query.put("format", format);
        return Downloads.of(platform.download(session.key(), PATH, query), "token-trade-" + period + "." + format);
    }

    private static Map<String, Object> query(YearMonth period, String currency) {
        return Map.of(
                "from", period.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toString(),
                "to",
                        period.plusMonths(1)
                                .atDay(1)
                                .atStartOfDay()
                                .toInstant(ZoneOffset.UTC)
                                .toString(),
                "currency", currency);
    }
}
