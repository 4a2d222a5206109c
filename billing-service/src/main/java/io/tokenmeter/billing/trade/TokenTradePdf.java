package io.tokenmeter.billing.trade;

import io.tokenmeter.billing.export.XhtmlPdf;
import io.tokenmeter.billing.trade.TokenTradeStatement.Figures;
import io.tokenmeter.billing.trade.TokenTradeStatement.Row;
import io.tokenmeter.billing.trade.TokenTradeStatement.Total;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The statement as a landscape PDF: rows, totals per buyer country and serving region, the method, the unpriced. */
@Component
class TokenTradePdf {

    private final XhtmlPdf pdf;

    TokenTradePdf(XhtmlPdf pdf) {
        this.pdf = pdf;
    }

    byte[] render(TokenTradeStatement statement) {
        Map<String, Object> model = new HashMap<>();
        model.put(
                "periodLine",
                statement.from() + " to " + statement.to() + " (UTC), in " + statement.reportingCurrency());
        model.put("reporting", statement.reportingCurrency());
        List<List<String>> rows = new ArrayList<>();
        for (Row r : statement.rows()) {
            List<String> cells = new ArrayList<>(
                    List.of(r.month(), r.buyerCountry(), r.servingRegion(), r.model(), r.taxTreatment()));
            Figures in = r.invoiced();
            cells.add(in == null ? "" : tokens(in));
            cells.add(in == null ? "" : plain(in.revenue()) + " " + r.invoiceCurrency());
            figures(in, cells, true);
            figures(r.notInvoiced(), cells, false);
            rows.add(cells);
        }
        model.put("rows", rows);
        model.put("byBuyer", totals(statement.byBuyerCountry()));
        model.put("byRegion", totals(statement.byServingRegion()));
        model.put("method", statement.method());
        model.put("unpriced", statement.unpriced());
        TokenTradeStatement.Energy energy = statement.exportedEnergy();
        model.put(
                "energyLine",
                "Electricity embodied in the tokens sold abroad (ESTIMATE): "
                        + energy.invoicedKwh().toPlainString()
                        + " kWh invoiced, " + energy.notInvoicedKwh().toPlainString() + " kWh not yet invoiced"
                        + (energy.without().isEmpty() ? "" : "; without an intensity: " + energy.without()));
        model.put("energyNote", energy.note());
        return pdf.render("token-trade", model);
    }

    private static List<List<String>> totals(List<Total> totals) {
        List<List<String>> rows = new ArrayList<>();
        for (Total t : totals) {
            List<String> cells = new ArrayList<>(List.of(t.key()));
            cells.add(t.invoiced() == null ? "" : tokens(t.invoiced()));
            figures(t.invoiced(), cells, true);
            figures(t.notInvoiced(), cells, false);
            rows.add(cells);
        }
        return rows;
    }

    /** Invoiced: revenue, cost, margin, rate; not invoiced: tokens, revenue, margin. */
    private static void figures(Figures f, List<String> cells, boolean invoiced) {
        if (!invoiced) {
            cells.add(f == null ? "" : tokens(f));
        }
        cells.add(f == null ? "" : plain(f.revenueReporting()));
        if (invoiced) {
            cells.add(f == null ? "" : plain(f.costReporting()));
        }
        cells.add(f == null ? "" : plain(f.grossMargin()));
        if (invoiced) {
            cells.add(
                    f == null || f.marginRate() == null
                            ? ""
                            : f.marginRate()
                                            .movePointRight(2)
                                            .stripTrailingZeros()
                                            .toPlainString() + " %");
            cells.add(
                    f == null || f.energyKwhEstimate() == null
                            ? ""
                            : f.energyKwhEstimate().toPlainString());
        }
    }

    private static String tokens(Figures f) {
        return NumberFormat.getIntegerInstance(Locale.US).format(f.tokens().total());
    }

    private static String plain(BigDecimal value) {
        return value == null ? "-" : value.toPlainString();
    }
}
