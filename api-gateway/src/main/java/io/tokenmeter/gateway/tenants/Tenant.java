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

    protected Tenant() {
    }

    public Tenant(String id, String name, String billingCountry, String currency, String createdBy) {
        this.id = id;
        this.name = name;
        this.billingCountry = billingCountry;
        this.currency = currency;
        this.status = TenantStatus.ACTIVE;
        this.createdAt = Instant.now();
        this.createdBy = createdBy;
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
