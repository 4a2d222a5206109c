package io.tokenmeter.pricing.rating;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A month's usage priced under any off-peak calendar (zones with daylight saving and half-hour offsets, windows per
 * weekday, dated exceptions) costs the same however it is cut into buckets, as long as every cut includes the
 * calendar's edges: each event on its own, or any coarser partition.
 */
class OffPeakSchedulePropertiesTest {

    static final Instant MONTH = Instant.parse("2026-03-01T00:00:00Z"); // holds the EU and US daylight saving changes
    static final long SECONDS = 31L * 86_400;

    record Event(long second, long tokens) {}

    @Property(tries = 1000)
    void anySplitOfAMonthsUsageAtTheCalendarsEdgesPricesTheSame(
            @ForAll("calendars") OffPeakSchedule calendar,
            @ForAll("graduated") TieredRate rate,
            @ForAll @Size(min = 1, max = 60) List<@net.jqwik.api.From("events") Event> events,
            @ForAll @Size(max = 20) List<@net.jqwik.api.constraints.LongRange(min = 1, max = SECONDS - 1) Long> cuts) {
        List<UsageBucket> each = new ArrayList<>();
        for (Event e : events) {
            Instant at = MONTH.plusSeconds(e.second());
            each.add(new UsageBucket(at, at.plusSeconds(1), e.tokens())); // edges fall on whole minutes
        }
        Instant end = MONTH.plusSeconds(SECONDS);
        TreeSet<Instant> bounds = new TreeSet<>(calendar.edgesBetween(MONTH, end));
        cuts.forEach(c -> bounds.add(MONTH.plusSeconds(c)));
        bounds.add(MONTH);
        bounds.add(end);
        TreeMap<Instant, Long> sums = new TreeMap<>();
        for (Event e : events) {
            Instant at = MONTH.plusSeconds(e.second());
            sums.merge(bounds.floor(at), e.tokens(), Long::sum);
        }
        List<UsageBucket> coarse = new ArrayList<>();
        sums.forEach((from, tokens) -> coarse.add(new UsageBucket(from, bounds.higher(from), tokens)));

        LineRater.RatedLine byEvent = LineRater.rate(rate, calendar, 0, each);
        LineRater.RatedLine byBucket = LineRater.rate(rate, calendar, 0, coarse);
        assertThat(byBucket.amount()).isEqualByComparingTo(byEvent.amount());
        assertThat(byBucket.tokens()).isEqualTo(byEvent.tokens());
    }

    @Property(tries = 1000)
    void nothingChangesBetweenTwoEdges(
            @ForAll("calendars") OffPeakSchedule calendar,
            @ForAll @net.jqwik.api.constraints.LongRange(max = SECONDS - 1) long second) {
        Instant at = MONTH.plusSeconds(second);
        Instant next = calendar.nextEdgeAfter(at);
        Instant probe = next == null ? at.plusSeconds(86_400 * 30L) : next.minusNanos(1);
        assertThat(calendar.contains(probe)).isEqualTo(calendar.contains(at));
        if (next != null) {
            assertThat(calendar.contains(next)).as("an edge changes the price").isNotEqualTo(calendar.contains(at));
        }
    }

    @Provide
    Arbitrary<Event> events() {
        return Combinators.combine(
                        Arbitraries.longs().between(0, SECONDS - 1),
                        Arbitraries.longs().between(0, 2_000_000))
                .as(Event::new);
    }

    @Provide
    Arbitrary<OffPeakSchedule> calendars() {
        Arbitrary<ZoneId> zones = Arbitraries.of(
                        "UTC", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
                .map(ZoneId::of);
        Arbitrary<LocalTime> times =
                Arbitraries.integers().between(0, 24 * 4 - 1).map(q -> LocalTime.of(q / 4, q % 4 * 15));
        Arbitrary<OffPeakSchedule.Window> windows = Combinators.combine(
                        Arbitraries.of(DayOfWeek.class).set().ofMinSize(1).ofMaxSize(7),
                        times,
                        times,
                        Arbitraries.integers().between(0, 5))
                .filter((days, start, end, kind) -> kind == 0 || !start.equals(end))
                .as((days, start, end, kind) -> new OffPeakSchedule.Window(
                        EnumSet.copyOf(days), kind == 0 ? null : start, kind == 0 ? null : end, kind == 0));
        Arbitrary<Map<LocalDate, DayOfWeek>> exceptions = Arbitraries.maps(
                        Arbitraries.integers()
                                .between(0, 30)
                                .map(d -> LocalDate.of(2026, 3, 1).plusDays(d)),
                        Arbitraries.of(DayOfWeek.class))
                .ofMaxSize(4);
        return Combinators.combine(
                        zones,
                        windows.list().ofMinSize(1).ofMaxSize(3),
                        exceptions,
                        Arbitraries.integers().between(0, 100).map(BigDecimal::valueOf))
                .as(OffPeakSchedule::new);
    }

    @Provide
    Arbitrary<TieredRate> graduated() {
        Arbitrary<BigDecimal> rates =
                Arbitraries.longs().between(0, 30_000_000).map(micros -> BigDecimal.valueOf(micros, 6));
        return Combinators.combine(rates, rates, Arbitraries.longs().between(1, 20_000_000))
                .as((first, second, at) ->
                        new TieredRate(TierMode.GRADUATED, List.of(new Tier(0, first), new Tier(at, second))));
    }
}
