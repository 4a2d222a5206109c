package io.tokenmeter.console.reports;

import tools.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Revenue per invoice currency from a token-trade statement's rows, invoiced and not yet invoiced apart: what
 * finance is owed in each currency it bills, before converting anything. Sums of amounts already rounded per row.
 */
public record RevenueByCurrency(String currency, BigDecimal invoiced, BigDecimal notInvoiced) {

    static List<RevenueByCurrency> of(JsonNode statement) {
        Map<String, BigDecimal[]> sums = new TreeMap<>();
        for (JsonNode row : statement.path("rows")) {
            BigDecimal[] sum = sums.computeIfAbsent(
                    row.path("invoice_currency").asString(), c -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
            sum[0] = sum[0].add(amount(row.path("invoiced").path("revenue")));
            sum[1] = sum[1].add(amount(row.path("not_invoiced").path("revenue")));
        }
        return sums.entrySet().stream()
                .map(e -> new RevenueByCurrency(e.getKey(), e.getValue()[0], e.getValue()[1]))
                .toList();
    }

    private static BigDecimal amount(JsonNode node) {
        return node.isNumber() ? node.decimalValue() : BigDecimal.ZERO;
    }
}
