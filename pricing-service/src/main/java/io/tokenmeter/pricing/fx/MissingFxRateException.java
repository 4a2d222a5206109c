package io.tokenmeter.pricing.fx;

import java.time.LocalDate;

/** No rate for a pair on or before a date: an error naming both, never a silent 1.0. */
public class MissingFxRateException extends RuntimeException {

    public MissingFxRateException(String from, String to, LocalDate date, String why) {
        super("no FX rate " + from + "/" + to + " on or before " + date + ": " + why);
    }
}
