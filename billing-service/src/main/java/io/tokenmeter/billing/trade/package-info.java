/**
 * The token-trade statement: what was sold to whom, where it was served, what it earned and what it cost, invoiced and
 * not yet invoiced, per month, buyer country, serving region and model, in a reporting currency.
 */
package io.tokenmeter.billing.trade;
