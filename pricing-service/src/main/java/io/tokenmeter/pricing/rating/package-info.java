/**
 * Rating: turning tokens into money. Rates are per 1,000,000 tokens per token class, optionally tiered
 * (graduated or volume) and discounted in off-peak windows; everything is exact until the one rounding point.
 */
package io.tokenmeter.pricing.rating;
