package io.tokenmeter.contracts.rating;

import java.math.BigDecimal;

/**
 * One part of a priced line: {@code tokens} tokens in tier {@code tier} (1-based, as shown to people), at
 * {@code ratePerMillion} (the off-peak rate when {@code offPeak}), costing {@code amount}, exact.
 */
public record TierCharge(int tier, long tokens, BigDecimal ratePerMillion, boolean offPeak, BigDecimal amount) {}
