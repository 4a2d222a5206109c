package io.tokenmeter.billing.issuer;

/** Our legal entity that issues invoices; its id prefixes its document numbers ({@code SG-2026-000123}). */
public record Issuer(String id, String legalName, String country, String taxId, boolean isDefault) {}
