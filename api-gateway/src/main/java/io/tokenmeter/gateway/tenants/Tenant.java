package io.tokenmeter.gateway.tenants;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

@Entity
@Table(name = "tenant")
public class Tenant {

    @Id
    private String id;

    private String name;

    @Column(name = "billing_country")
    private String billingCountry;

    private String currency;

    @Enumerated(EnumType.STRING)
    private TenantStatus status;

    @Column(name = "created_at")
    private Instant createdAt;

    @Column(name = "created_by")
    private String createdBy;

    @Column(name = "allowed_regions")
    private String allowedRegions;

    @Column(name = "legal_name")
    private String legalName;

    @Column(name = "tax_id")
    private String taxId;

    @Column(name = "updated_at")
    private Instant updatedAt;

    @Column(name = "issuer_id")
    private String issuerId;

    protected Tenant() {}

    public Tenant(String id, String name, String billingCountry, String currency, String createdBy) {
        this.id = id;
        this.name = name;
        this.billingCountry = billingCountry;
        this.currency = currency;
        this.status = TenantStatus.ACTIVE;
        this.createdAt = Instant.now();
        this.createdBy = createdBy;
        this.updatedAt = createdAt;
    }

    /** Who is invoiced: the legal name (the display name when none was given), country, tax id and currency. */
    public void setBillingIdentity(
            String legalName, String billingCountry, String taxId, String currency, String issuerId) {
        this.issuerId = issuerId;
        this.legalName = legalName;
        this.billingCountry = billingCountry;
        this.taxId = taxId;
        this.currency = currency;
    }

    /** Marks a change, so that consumers of tenants.v1 can keep the newest state. */
    public void touch() {
        this.updatedAt = Instant.now();
    }

    public String getLegalName() {
        return legalName == null ? name : legalName;
    }

    /** Which of our issuing entities invoices this tenant; null: billing's default issuer. */
    public String getIssuerId() {
        return issuerId;
    }

    public String getTaxId() {
        return taxId;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    /** Null: every region. */
    public java.util.List<String> getAllowedRegions() {
        return allowedRegions == null ? null : java.util.List.of(allowedRegions.split(","));
    }

    public void setAllowedRegions(java.util.List<String> regions) {
        this.allowedRegions = regions == null ? null : String.join(",", regions);
    }

    public void setStatus(TenantStatus status) {
        this.status = status;
    }

    public String getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getBillingCountry() {
        return billingCountry;
    }

    public String getCurrency() {
        return currency;
    }

    public TenantStatus getStatus() {
        return status;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
