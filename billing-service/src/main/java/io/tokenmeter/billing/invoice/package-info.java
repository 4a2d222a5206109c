/**
 * Invoices and credit notes: drafts with their lines and totals, gapless numbering per issuer and year, immutability
 * once issued (enforced by the database too), payment, voiding and partial credits.
 */
package io.tokenmeter.billing.invoice;
