package io.tokenmeter.pricing.rating;

import java.math.BigDecimal;

/**
 * A tier starts at the {@code fromTokens}-th token of the period (0-based, inclusive) and runs to the next
 * tier's start; {@code ratePerMillion} is the price of 1,000,000 tokens in the book's currency.
 */
public record Tier(long fromTokens, BigDecimal ratePerMillion) {}
