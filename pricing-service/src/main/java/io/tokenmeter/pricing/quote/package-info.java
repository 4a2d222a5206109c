/**
 * The rating API: which price applies to a tenant at a time (contract book, contract discount or default
 * book, and the version in force), and priced lines that explain themselves.
 */
package io.tokenmeter.pricing.quote;
