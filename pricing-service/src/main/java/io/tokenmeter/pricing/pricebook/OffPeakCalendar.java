package io.tokenmeter.pricing.pricebook;

import io.tokenmeter.pricing.pricebook.PriceBookDtos.OffPeakEntry;
import io.tokenmeter.pricing.rating.OffPeakSchedule;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A version's {@code off_peak} as the rating core's schedule; the validator has refused anything this cannot read. */
final class OffPeakCalendar {

    private OffPeakCalendar() {}

    static OffPeakSchedule schedule(OffPeakEntry o) {
        // with its own rates the window discounts nothing: those rates replace the regular ones inside it
        BigDecimal discount = o.discountPercent() != null ? o.discountPercent() : BigDecimal.ZERO;
        ZoneId zone = o.timeZone() == null ? ZoneOffset.UTC : zone(o.timeZone());
        List<OffPeakSchedule.Window> windows = o.windows() == null
                ? List.of(new OffPeakSchedule.Window(EnumSet.allOf(DayOfWeek.class), o.start(), o.end(), false))
                : o.windows().stream()
                        .map(w -> new OffPeakSchedule.Window(
                                w.days().stream()
                                        .map(OffPeakCalendar::day)
                                        .collect(java.util.stream.Collectors.toCollection(
                                                () -> EnumSet.noneOf(DayOfWeek.class))),
                                w.start(),
                                w.end(),
                                Boolean.TRUE.equals(w.allDay())))
                        .toList();
        Map<LocalDate, DayOfWeek> exceptions = new HashMap<>();
        if (o.exceptions() != null) {
            o.exceptions().forEach(e -> exceptions.put(e.date(), day(e.as())));
        }
        return new OffPeakSchedule(zone, windows, exceptions, discount);
    }

    /** MON to SUN (or the full English name), any case; null for anything else. */
    static DayOfWeek day(String name) {
        if (name == null) {
            return null;
        }
        String upper = name.strip().toUpperCase(Locale.ROOT);
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().equals(upper) || d.name().substring(0, 3).equals(upper)) {
                return d;
            }
        }
        return null;
    }

    static ZoneId zone(String id) {
        try {
            return ZoneId.of(id);
        } catch (DateTimeException e) {
            return null;
        }
    }
}
