package io.tokenmeter.pricing.fx;

import org.springframework.stereotype.Component;

import java.time.LocalDate;

/** Conversions for other features (rating), by the documented policy of {@link FxRateTable}. */
@Component
public class FxRates {

    private final FxRateRepository repository;

    FxRates(FxRateRepository repository) {
        this.repository = repository;
    }

    public FxConversion conversion(String from, String to, LocalDate date) {
        return repository.tableFor(date).conversion(from, to, date);
    }
}
