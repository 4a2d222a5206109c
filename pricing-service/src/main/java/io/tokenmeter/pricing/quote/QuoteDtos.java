package io.tokenmeter.pricing.quote;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.tokenmeter.contracts.rating.FxRate;
import io.tokenmeter.contracts.rating.TierCharge;
import io.tokenmeter.contracts.rating.TokenClass;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

public final class QuoteDtos {

    private QuoteDtos() {
    }

    /** The prices in force for a tenant at an instant, with a contract discount already applied to every rate. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TenantPrices(String tenantId, Instant at, String priceSource,
                               String priceBookId, int priceBookVersion,
                               Instant effectiveFrom, String contractId,
                               BigDecimal discountPercent, String currency,
                               io.tokenmeter.pricing.pricebook.PriceBookDtos.OffPeakEntry offPeak,
                               List<io.tokenmeter.pricing.pricebook.PriceBookDtos.RateEntry> rates, String note) {
    }
}
