package io.tokenmeter.pricing.quote;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;

public final class QuoteDtos {

    private QuoteDtos() {}

    /** The prices in force for a tenant at an instant, with a contract discount already applied to every rate. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantPrices(
            String tenantId,
            Instant at,
            String priceSource,
            String priceBookId,
            int priceBookVersion,
            Instant effectiveFrom,
            String contractId,
            BigDecimal discountPercent,
            String currency,
            io.tokenmeter.pricing.pricebook.PriceBookDtos.OffPeakEntry offPeak,
            List<io.tokenmeter.pricing.pricebook.PriceBookDtos.RateEntry> rates,
            String note) {}
}
