package io.tokenmeter.contracts.rating;

import java.math.BigDecimal;
import java.time.LocalDate;

/** 1 {@code base} = {@code rate} {@code quote}, as published on {@code asOf} by {@code source}. */
public record FxRate(String base, String quote, BigDecimal rate, LocalDate asOf, String source) {

    public FxRate {
        if (rate == null || rate.signum() <= 0) {
            throw new IllegalArgumentException("an FX rate must be positive: " + base + "/" + quote + " " + rate);
        }
    }
}
