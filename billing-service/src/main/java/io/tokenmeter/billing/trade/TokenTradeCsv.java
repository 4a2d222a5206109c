package io.tokenmeter.billing.trade;

import io.tokenmeter.billing.trade.TokenTradeStatement.Figures;
import io.tokenmeter.billing.trade.TokenTradeStatement.Row;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;

/** The statement's rows as CSV: one line per row, the invoiced columns and then the not-yet-invoiced ones. */
final class TokenTradeCsv {

    private static final String[] FIGURES = {
        "input_tokens",
        "cached_input_tokens",
        "cache_write_tokens",
        "output_tokens",
        "revenue",
        "revenue_reporting",
        "cost_currency",
        "cost",
        "cost_reporting",
        "gross_margin_reporting",
        "margin_rate",
        "energy_kwh_estimate"
    };

    private TokenTradeCsv() {}

    static String[] columns() {
        List<String> columns = new ArrayList<>(List.of(
                "month",
                "buyer_country",
                "serving_region",
                "model",
                "invoice_currency",
                "tax_treatment",
                "reporting_currency"));
        for (String side : new String[] {"invoiced_", "not_invoiced_"}) {
            for (String figure : FIGURES) {
                columns.add(side + figure);
            }
        }
        return columns.toArray(String[]::new);
    }

    static void write(TokenTradeStatement statement, Writer out) {
        try (CSVPrinter csv =
                CSVFormat.RFC4180.builder().setHeader(columns()).get().print(out)) {
            for (Row row : statement.rows()) {
                List<Object> values = new ArrayList<>(List.of(
                        row.month(),
                        row.buyerCountry(),
                        row.servingRegion(),
                        row.model(),
                        row.invoiceCurrency(),
                        row.taxTreatment(),
                        statement.reportingCurrency()));
                figures(row.invoiced(), values);
                figures(row.notInvoiced(), values);
                csv.printRecord(values);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void figures(Figures f, List<Object> values) {
        if (f == null) {
            for (int i = 0; i < FIGURES.length; i++) {
                values.add("");
            }
            return;
        }
        values.add(f.tokens().input());
        values.add(f.tokens().cachedInput());
        values.add(f.tokens().cacheWrite());
        values.add(f.tokens().output());
        values.add(plain(f.revenue()));
        values.add(plain(f.revenueReporting()));
        values.add(f.costCurrency() == null ? "" : f.costCurrency());
        values.add(plain(f.cost()));
        values.add(plain(f.costReporting()));
        values.add(plain(f.grossMargin()));
        values.add(plain(f.marginRate()));
        values.add(plain(f.energyKwhEstimate()));
    }

    private static String plain(java.math.BigDecimal value) {
        return value == null ? "" : value.toPlainString();
    }
}
