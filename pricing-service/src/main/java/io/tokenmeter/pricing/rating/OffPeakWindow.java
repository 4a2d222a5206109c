package io.tokenmeter.pricing.rating;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;

/**
 * A daily window in UTC, [start, end), that may cross midnight (16:30-00:30 is DeepSeek's), in which rates
 * are discounted by {@code discountPercent} (50 means half price). start == end is refused: it would be
 * ambiguous between never and always.
 */
public record OffPeakWindow(LocalTime start, LocalTime end, BigDecimal discountPercent) {

    private static final BigDecimal HUNDRED = BigDecimal.valueOf(100);

    public OffPeakWindow {
        if (start == null || end == null || start.equals(end)) {
            throw new IllegalArgumentException("an off-peak window needs a start and a different end");
        }
        if (discountPercent == null || discountPercent.signum() < 0 || discountPercent.compareTo(HUNDRED) > 0) {
            throw new IllegalArgumentException("an off-peak discount is between 0 and 100 percent");
        }
    }

    public boolean contains(Instant instant) {
        LocalTime t = LocalTime.ofInstant(instant, ZoneOffset.UTC);
        return start.isBefore(end) ? !t.isBefore(start) && t.isBefore(end) : !t.isBefore(start) || t.isBefore(end);
    }

    /** Whether [from, to) lies wholly inside or wholly outside the window; a bucket across an edge cannot be rated. */
    public boolean uniformOver(Instant from, Instant to) {
        boolean first = contains(from);
        for (Instant edge : edgesBetween(from, to)) {
            if (contains(edge) != first) {
                return false;
            }
        }
        return true;
    }

    /** The first edge of the window (its start or its end) after {@code instant}. */
    public Instant nextEdgeAfter(Instant instant) {
        Instant soonest = null;
        var day = instant.atOffset(ZoneOffset.UTC).toLocalDate();
        for (int d = 0; d <= 1; d++) {
            for (LocalTime edge : new LocalTime[] {start, end}) {
                Instant at = day.plusDays(d).atTime(edge).toInstant(ZoneOffset.UTC);
                if (at.isAfter(instant) && (soonest == null || at.isBefore(soonest))) {
                    soonest = at;
                }
            }
        }
        return soonest;
    }

    /** The price factor inside the window: 1 - discount / 100, exact. */
    public BigDecimal factor() {
        return BigDecimal.ONE.subtract(discountPercent.movePointLeft(2));
    }

    /** The window's edges strictly inside (from, to), oldest first. */
    public java.util.List<Instant> edgesBetween(Instant from, Instant to) {
        java.util.List<Instant> edges = new java.util.ArrayList<>();
        var day = from.atOffset(ZoneOffset.UTC).toLocalDate().minusDays(1);
        var lastDay = to.atOffset(ZoneOffset.UTC).toLocalDate();
        LocalTime first = start.isBefore(end) ? start : end;
        LocalTime second = start.isBefore(end) ? end : start;
        for (; !day.isAfter(lastDay); day = day.plusDays(1)) {
            for (LocalTime edge : new LocalTime[] {first, second}) {
                Instant at = day.atTime(edge).toInstant(ZoneOffset.UTC);
                if (at.isAfter(from) && at.isBefore(to)) {
                    edges.add(at);
                }
            }
        }
        return edges;
    }
}
