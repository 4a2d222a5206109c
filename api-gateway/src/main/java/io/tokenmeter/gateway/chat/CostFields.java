package io.tokenmeter.gateway.chat;

import io.tokenmeter.gateway.prices.CallCosts;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.util.RawValue;

import java.math.BigDecimal;
import java.util.Map;

/**
 * Writes a call's cost into an answer's usage object, OpenAI and Anthropic alike: {@code cost} (a number, as
 * OpenRouter's) and {@code cost_details} (the currency, the amount per token class, the price book and version,
 * whether off-peak applied). A call that cannot be priced gets no {@code cost}, and {@code cost_details.unpriced} says
 * why. Amounts are written as plain decimals ({@code 0.0000412}, never {@code 4.12E-5}).
 */
final class CostFields {

    private CostFields() {}

    static void write(ObjectNode usage, CallCosts.Priced priced) {
        if (priced == null) {
            return; // answers carry no cost here (tokenmeter.gateway.prices.show-cost)
        }
        switch (priced) {
            case CallCosts.Cost cost -> {
                usage.putRawValue("cost", plain(cost.total()));
                ObjectNode details = usage.putObject("cost_details");
                details.put("currency", cost.currency());
                for (Map.Entry<String, BigDecimal> e : cost.byClass().entrySet()) {
                    details.putRawValue(e.getKey(), plain(e.getValue()));
                }
                details.put("price_book_id", cost.priceBookId());
                if (cost.priceBookVersion() != null) {
                    details.put("price_book_version", cost.priceBookVersion());
                }
                details.put("off_peak", cost.offPeak());
            }
            case CallCosts.NoCost none -> usage.putObject("cost_details").put("unpriced", none.reason());
        }
    }

    /** The header form: {@code 0.0000412 USD}; null when the call has no cost. */
    static String header(CallCosts.Priced priced) {
        if (priced == null) {
            return null;
        }
        return priced instanceof CallCosts.Cost cost ? cost.total().toPlainString() + " " + cost.currency() : null;
    }

    private static RawValue plain(BigDecimal amount) {
        return new RawValue(amount.toPlainString());
    }
}
