/**
 * Foreign exchange: rates entered by admins or imported from the ECB's euro reference-rate CSV, which rate
 * applies to a period, and conversion through a pivot currency when no direct rate exists.
 */
package io.tokenmeter.pricing.fx;
