/** IssuerRepository: our legal entities that issue invoices and credit notes, each with its own number series. */
package io.tokenmeter.billing.issuer;
