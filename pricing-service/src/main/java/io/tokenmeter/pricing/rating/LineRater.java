package io.tokenmeter.pricing.rating;

import io.tokenmeter.contracts.rating.TierCharge;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Prices one line (one model, region and token class) from its usage buckets. Tokens fill the tiers in time
 * order, starting after {@code alreadyCounted} tokens of the period; a bucket inside the off-peak window is
 * priced at the discounted rate of the tier its tokens fall in (a window of the version's off-peak schedule).
 * <p>
 * Volume tiers re-price the whole period at the tier reached, so they are rated as one charge for the
 * line; an off-peak window on a volume-tiered rate is refused when the book is saved (not supported yet).
 */
public final class LineRater {

    private LineRater() {}

    public record RatedLine(long tokens, BigDecimal amount, List<TierCharge> charges) {}

    /** Tokens to rate in this order, inside the off-peak window or not. */
    public record Part(long tokens, boolean offPeak) {}

    /**
     * Rates an off-peak share without times: the peak tokens fill the tiers first, then the off-peak ones
     * (documented order; give buckets when the order matters). Without a window the share is priced as peak.
     */
    public static RatedLine rateShare(
            TieredRate rate, OffPeakSchedule offPeak, long alreadyCounted, long tokens, long offPeakTokens) {
        return rateShare(rate, offPeak, null, alreadyCounted, tokens, offPeakTokens);
    }

    /** As above, with the window's own flat rate for this line ({@code offPeakRate}) instead of its discount. */
    public static RatedLine rateShare(
            TieredRate rate,
            OffPeakSchedule offPeak,
            BigDecimal offPeakRate,
            long alreadyCounted,
            long tokens,
            long offPeakTokens) {
        if (offPeakTokens < 0 || offPeakTokens > tokens) {
            throw new IllegalArgumentException("off-peak tokens must be between 0 and the line's tokens");
        }
        List<Part> parts = List.of(new Part(tokens - offPeakTokens, false), new Part(offPeakTokens, offPeak != null));
        return rateParts(rate, offPeak, offPeakRate, alreadyCounted, parts);
    }

    public static RatedLine rate(
            TieredRate rate, OffPeakSchedule offPeak, long alreadyCounted, List<UsageBucket> buckets) {
        return rate(rate, offPeak, null, alreadyCounted, buckets);
    }

    /** As above, with the window's own flat rate for this line ({@code offPeakRate}) instead of its discount. */
    public static RatedLine rate(
            TieredRate rate,
            OffPeakSchedule offPeak,
            BigDecimal offPeakRate,
            long alreadyCounted,
            List<UsageBucket> buckets) {
        if (alreadyCounted < 0) {
            throw new IllegalArgumentException("already counted tokens cannot be negative");
        }
        List<UsageBucket> ordered =
                buckets.stream().sorted(Comparator.comparing(UsageBucket::from)).toList();
        List<Part> parts = new ArrayList<>(ordered.size());
        for (UsageBucket bucket : ordered) {
            if (offPeak != null && !offPeak.uniformOver(bucket.from(), bucket.to())) {
                throw new IllegalArgumentException(
                        "the bucket " + bucket.from() + " - " + bucket.to() + " crosses an edge of the off-peak "
                                + "schedule (" + offPeak.describe() + "); split it there");
            }
            parts.add(new Part(bucket.tokens(), offPeak != null && offPeak.contains(bucket.from())));
        }
        return rateParts(rate, offPeak, offPeakRate, alreadyCounted, parts);
    }

    private static RatedLine rateParts(
            TieredRate rate, OffPeakSchedule offPeak, BigDecimal offPeakRate, long alreadyCounted, List<Part> parts) {
        long tokens = parts.stream().mapToLong(Part::tokens).reduce(0, Math::addExact);
        if (rate.mode() == TierMode.VOLUME) {
            if (parts.stream().anyMatch(Part::offPeak)) {
                throw new IllegalArgumentException("off-peak windows are not supported on volume-tiered rates");
            }
            BigDecimal amount = rate.incrementalAmount(alreadyCounted, tokens);
            int tier = rate.tierOf(Math.max(0, alreadyCounted + tokens - 1));
            return new RatedLine(
                    tokens,
                    amount,
                    List.of(new TierCharge(
                            tier + 1, tokens, rate.tiers().get(tier).ratePerMillion(), false, amount)));
        }
        List<TierCharge> charges = new ArrayList<>();
        long counter = alreadyCounted;
        BigDecimal total = BigDecimal.ZERO;
        for (Part part : parts) {
            long left = part.tokens();
            while (left > 0) {
                int tier = rate.tierOf(counter);
                long inTier = Math.min(left, rate.tierEnd(tier) - counter);
                BigDecimal unit = rate.tiers().get(tier).ratePerMillion();
                if (part.offPeak()) {
                    unit = offPeakRate != null ? offPeakRate : unit.multiply(offPeak.factor());
                }
                BigDecimal amount = TieredRate.perMillion(inTier, unit);
                add(charges, new TierCharge(tier + 1, inTier, unit, part.offPeak(), amount));
                total = total.add(amount);
                counter += inTier;
                left -= inTier;
            }
        }
        return new RatedLine(tokens, total, charges);
    }

    /** Merges with the previous charge when only the time differs, so a month of hours reads as a few lines. */
    private static void add(List<TierCharge> charges, TierCharge charge) {
        for (int i = 0; i < charges.size(); i++) {
            TierCharge c = charges.get(i);
            if (c.tier() == charge.tier()
                    && c.offPeak() == charge.offPeak()
                    && c.ratePerMillion().compareTo(charge.ratePerMillion()) == 0) {
                charges.set(
                        i,
                        new TierCharge(
                                c.tier(),
                                c.tokens() + charge.tokens(),
                                c.ratePerMillion(),
                                c.offPeak(),
                                c.amount().add(charge.amount())));
                return;
            }
        }
        charges.add(charge);
    }
}
