package io.tokenmeter.pricing.fx;

import io.tokenmeter.contracts.rating.FxRate;

import java.math.BigDecimal;
import java.util.List;

/**
 * How an amount was converted: the rate applied (full precision) and the published rates it came from, so
 * every converted figure can be explained.
 */
public record FxConversion(String from, String to, BigDecimal rate, List<FxRate> ratesUsed) {}
