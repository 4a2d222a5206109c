package io.tokenmeter.pricing.rating;

import java.math.BigDecimal;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * When a version's off-peak prices apply: windows per day of week in a named time zone, and dated exceptions that
 * make a date follow another weekday's windows (a public holiday priced as a Sunday, a make-up working Saturday as a
 * Monday). A window is [start, end) on its day and may run past midnight into the next (it belongs to the day it starts
 * on); an all-day window covers the whole local day, whatever its length under daylight saving. Inside, rates are
 * discounted by {@code discountPercent} (50 is half price) unless the version gives its own off-peak rates. DeepSeek's
 * daily 16:30-00:30 UTC is {@link #daily}.
 */
public final class OffPeakSchedule {

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);
    private static final Set<DayOfWeek> EVERY_DAY = EnumSet.allOf(DayOfWeek.class);

    /** One window on the given days; {@code allDay} ignores start and end. */
    public record Window(Set<DayOfWeek> days, LocalTime start, LocalTime end, boolean allDay) {
        public Window {
            days = Set.copyOf(days);
            if (days.isEmpty()) {
                throw new IllegalArgumentException("an off-peak window needs at least one day");
            }
            if (!allDay && (start == null || end == null || start.equals(end))) {
                throw new IllegalArgumentException("an off-peak window needs a start and a different end, or all day");
            }
        }
    }

    private final ZoneId zone;
    private final List<Window> windows;
    private final Map<LocalDate, DayOfWeek> exceptions;
    private final BigDecimal discountPercent;

    public OffPeakSchedule(
            ZoneId zone, List<Window> windows, Map<LocalDate, DayOfWeek> exceptions, BigDecimal discountPercent) {
        if (zone == null || windows == null || windows.isEmpty()) {
            throw new IllegalArgumentException("an off-peak schedule needs a time zone and at least one window");
        }
        if (discountPercent == null || discountPercent.signum() < 0 || discountPercent.compareTo(HUNDRED) > 0) {
            throw new IllegalArgumentException("an off-peak discount is between 0 and 100 percent");
        }
        this.zone = zone;
        this.windows = List.copyOf(windows);
        this.exceptions = Map.copyOf(exceptions == null ? Map.of() : exceptions);
        this.discountPercent = discountPercent;
    }

    /** The same window every day in UTC, [start, end), crossing midnight where end is before start. */
    public static OffPeakSchedule daily(LocalTime start, LocalTime end, BigDecimal discountPercent) {
        return new OffPeakSchedule(
                ZoneOffset.UTC, List.of(new Window(EVERY_DAY, start, end, false)), Map.of(), discountPercent);
    }

    public BigDecimal discountPercent() {
        return discountPercent;
    }

    /** The price factor inside the windows: 1 - discount / 100, exact. */
    public BigDecimal factor() {
        return BigDecimal.ONE.subtract(discountPercent.movePointLeft(2));
    }

    public boolean contains(Instant instant) {
        Span span = spanOver(instant, instant);
        return span.boundsAtOrBefore(instant) % 2 == 1; // inside after an odd number of edges
    }

    /** Whether [from, to) lies wholly inside or wholly outside the windows; a bucket across an edge cannot be rated. */
    public boolean uniformOver(Instant from, Instant to) {
        Span span = spanOver(from, to);
        int next = span.boundsAtOrBefore(from);
        return next >= span.bounds().length || !span.bounds()[next].isBefore(to);
    }

    /**
     * The instants strictly inside (from, to) where being off-peak changes, oldest first: windows that touch or overlap
     * are one stretch, so an edge always changes the price.
     */
    public List<Instant> edgesBetween(Instant from, Instant to) {
        Span span = spanOver(from, to);
        List<Instant> edges = new ArrayList<>();
        for (int i = span.boundsAtOrBefore(from); i < span.bounds().length && span.bounds()[i].isBefore(to); i++) {
            edges.add(span.bounds()[i]);
        }
        return edges;
    }

    /** The first edge after {@code instant} within 64 weeks, or null where nothing changes for that long. */
    public Instant nextEdgeAfter(Instant instant) {
        for (int weeks = 1; weeks <= 64; weeks *= 2) {
            List<Instant> edges = edgesBetween(instant, instant.plus(java.time.Duration.ofDays(7L * weeks)));
            if (!edges.isEmpty()) {
                return edges.getFirst();
            }
        }
        return null;
    }

    /** In words, for error messages: "16:30-00:30 every day, UTC". */
    public String describe() {
        StringBuilder s = new StringBuilder();
        for (Window w : windows) {
            s.append(s.isEmpty() ? "" : "; ")
                    .append(w.allDay() ? "all day" : w.start() + "-" + w.end())
                    .append(w.days().equals(EVERY_DAY) ? " every day" : " on " + new java.util.TreeSet<>(w.days()));
        }
        s.append(", ").append(zone.getId());
        if (!exceptions.isEmpty()) {
            s.append(", with ").append(exceptions.size()).append(" dated exceptions");
        }
        return s.toString();
    }

    /**
     * The edges over a stretch of local days, as one sorted array: starts and ends of merged stretches alternate, so an
     * instant is off-peak when an odd number of them lie at or before it. Valid from the start of {@code validFrom} to
     * the start of {@code validTo}: windows of the days around reach in, and a stretch cut off at the array's ends
     * would show an edge that is not there.
     */
    private record Span(Instant validFrom, Instant validTo, Instant[] bounds) {
        boolean covers(Instant from, Instant to) {
            return !from.isBefore(validFrom) && !to.isAfter(validTo);
        }

        /** How many bounds are at or before {@code instant}: the index of the first one after it. */
        int boundsAtOrBefore(Instant instant) {
            int i = java.util.Arrays.binarySearch(bounds, instant);
            return i >= 0 ? i + 1 : -i - 1;
        }
    }

    /** The last span computed: buckets are rated in time order, so most lookups fall in the one before. */
    private volatile Span span;

    private Span spanOver(Instant from, Instant to) {
        Span last = span;
        if (last != null && last.covers(from, to)) {
            return last;
        }
        LocalDate first = from.atZone(zone).toLocalDate().minusDays(2);
        LocalDate end = to.atZone(zone).toLocalDate().plusDays(2);
        if (end.isBefore(first.plusDays(42))) {
            end = first.plusDays(42); // about a month ahead, so a month's buckets share one span
        }
        List<Instant[]> intervals = new ArrayList<>();
        for (LocalDate d = first; !d.isAfter(end); d = d.plusDays(1)) {
            DayOfWeek as = exceptions.getOrDefault(d, d.getDayOfWeek());
            for (Window w : windows) {
                if (w.days().contains(as)) {
                    intervals.add(new Instant[] {startOf(d, w), endOf(d, w)});
                }
            }
        }
        intervals.sort(Comparator.comparing((Instant[] i) -> i[0]));
        List<Instant[]> merged = new ArrayList<>();
        for (Instant[] i : intervals) {
            Instant[] open = merged.isEmpty() ? null : merged.getLast();
            if (open != null && !i[0].isAfter(open[1])) {
                open[1] = i[1].isAfter(open[1]) ? i[1] : open[1];
            } else {
                merged.add(new Instant[] {i[0], i[1]});
            }
        }
        Instant[] bounds = new Instant[merged.size() * 2];
        for (int i = 0; i < merged.size(); i++) {
            bounds[2 * i] = merged.get(i)[0];
            bounds[2 * i + 1] = merged.get(i)[1];
        }
        Span computed = new Span(
                first.plusDays(1).atStartOfDay(zone).toInstant(),
                end.atStartOfDay(zone).toInstant(),
                bounds);
        span = computed;
        return computed;
    }

    private Instant startOf(LocalDate day, Window w) {
        return w.allDay()
                ? day.atStartOfDay(zone).toInstant()
                : day.atTime(w.start()).atZone(zone).toInstant();
    }

    private Instant endOf(LocalDate day, Window w) {
        if (w.allDay()) {
            return day.plusDays(1).atStartOfDay(zone).toInstant();
        }
        LocalDate endDay = w.end().isAfter(w.start()) ? day : day.plusDays(1);
        return endDay.atTime(w.end()).atZone(zone).toInstant();
    }
}
