package io.tokenmeter.pricing.rating;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static java.time.DayOfWeek.FRIDAY;
import static java.time.DayOfWeek.MONDAY;
import static java.time.DayOfWeek.SATURDAY;
import static java.time.DayOfWeek.SUNDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Calendars by example: weekdays and weekends in a named zone, holidays and make-up days, daylight saving. */
class OffPeakScheduleTest {

    static final ZoneId SHANGHAI = ZoneId.of("Asia/Shanghai");

    /**
     * Off-peak 00:30-08:30 on weekdays and all weekend, Beijing time; National Day (Thursday 1 October 2026) is priced
     * as a Sunday and Saturday 10 October, a make-up working day, as a Monday.
     */
    static final OffPeakSchedule WEEKDAYS = new OffPeakSchedule(
            SHANGHAI,
            List.of(
                    new OffPeakSchedule.Window(
                            EnumSet.range(MONDAY, FRIDAY), LocalTime.of(0, 30), LocalTime.of(8, 30), false),
                    new OffPeakSchedule.Window(EnumSet.of(SATURDAY, SUNDAY), null, null, true)),
            Map.of(LocalDate.parse("2026-10-01"), SUNDAY, LocalDate.parse("2026-10-10"), MONDAY),
            new BigDecimal("50"));

    private static Instant beijing(String localDateTime) {
        return LocalDateTime.parse(localDateTime).atZone(SHANGHAI).toInstant();
    }

    @Test
    void weekdayWindowsWeekendsAndDatedExceptionsInTheirZone() {
        assertThat(WEEKDAYS.contains(beijing("2026-09-30T01:00")))
                .as("Wednesday night")
                .isTrue();
        assertThat(WEEKDAYS.contains(beijing("2026-09-30T08:30")))
                .as("the window's end")
                .isFalse();
        assertThat(WEEKDAYS.contains(beijing("2026-09-30T00:29:59"))).isFalse();
        assertThat(WEEKDAYS.contains(beijing("2026-10-01T12:00")))
                .as("National Day, as a Sunday")
                .isTrue();
        assertThat(WEEKDAYS.contains(beijing("2026-10-10T12:00")))
                .as("a make-up working Saturday, as a Monday")
                .isFalse();
        assertThat(WEEKDAYS.contains(beijing("2026-10-10T01:00"))).isTrue();
        assertThat(WEEKDAYS.contains(beijing("2026-10-11T23:59"))).as("Sunday").isTrue();
    }

    @Test
    void edgesAreWhereThePriceChangesAndTouchingWindowsAreOneStretch() {
        // an ordinary weekend: Saturday and Sunday are one stretch, and Monday's window starts after a half hour's gap
        assertThat(WEEKDAYS.edgesBetween(beijing("2026-09-18T12:00"), beijing("2026-09-21T12:00")))
                .containsExactly(
                        beijing("2026-09-19T00:00"),
                        beijing("2026-09-21T00:00"),
                        beijing("2026-09-21T00:30"),
                        beijing("2026-09-21T08:30"));
        // a make-up Saturday follows Monday's window
        assertThat(WEEKDAYS.edgesBetween(beijing("2026-10-09T00:00"), beijing("2026-10-12T00:00")))
                .containsExactly(
                        beijing("2026-10-09T00:30"),
                        beijing("2026-10-09T08:30"),
                        beijing("2026-10-10T00:30"),
                        beijing("2026-10-10T08:30"),
                        beijing("2026-10-11T00:00"));
        assertThat(WEEKDAYS.uniformOver(beijing("2026-10-01T00:00"), beijing("2026-10-02T00:00")))
                .as("the holiday is off-peak all day")
                .isTrue();
        assertThat(WEEKDAYS.nextEdgeAfter(beijing("2026-10-09T09:00"))).isEqualTo(beijing("2026-10-10T00:30"));
    }

    @Test
    void aNightWindowAcrossTheChangeToSummerTimeEndsAtItsLocalEnd() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        OffPeakSchedule nights = new OffPeakSchedule(
                berlin,
                List.of(new OffPeakSchedule.Window(
                        EnumSet.allOf(DayOfWeek.class), LocalTime.of(22, 0), LocalTime.of(6, 0), false)),
                Map.of(),
                BigDecimal.TEN);
        // 28 March 22:00 CET is 21:00Z; 29 March 06:00 CEST is 04:00Z: seven hours that night
        assertThat(nights.edgesBetween(Instant.parse("2026-03-28T12:00:00Z"), Instant.parse("2026-03-29T12:00:00Z")))
                .containsExactly(Instant.parse("2026-03-28T21:00:00Z"), Instant.parse("2026-03-29T04:00:00Z"));
        assertThat(nights.contains(Instant.parse("2026-03-29T03:59:59Z"))).isTrue();
        assertThat(nights.contains(Instant.parse("2026-03-29T04:00:00Z"))).isFalse();
    }

    @Test
    void alwaysOffPeakHasNoEdgeAndBadWindowsAreRefused() {
        OffPeakSchedule always = new OffPeakSchedule(
                ZoneId.of("UTC"),
                List.of(new OffPeakSchedule.Window(EnumSet.allOf(DayOfWeek.class), null, null, true)),
                Map.of(),
                BigDecimal.ONE);
        assertThat(always.nextEdgeAfter(Instant.parse("2026-01-01T00:00:00Z"))).isNull();
        assertThat(always.contains(Instant.parse("2026-07-01T13:00:00Z"))).isTrue();
        assertThatThrownBy(() -> new OffPeakSchedule.Window(EnumSet.of(MONDAY), LocalTime.NOON, LocalTime.NOON, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new OffPeakSchedule.Window(EnumSet.noneOf(DayOfWeek.class), null, null, true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
