/** Documents and exports: invoice PDFs from a template, invoice lines as CSV for accountants. */
package io.tokenmeter.billing.export;
