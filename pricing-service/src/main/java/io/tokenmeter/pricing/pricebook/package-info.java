/**
 * Price books and their effective-dated versions: rates per 1M tokens per model, region and token class,
 * with tiers and an off-peak window. A version is editable until it takes effect, then immutable.
 */
package io.tokenmeter.pricing.pricebook;
