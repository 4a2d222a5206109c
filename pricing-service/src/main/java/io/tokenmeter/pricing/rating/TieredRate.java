package io.tokenmeter.pricing.rating;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * A rate per 1,000,000 tokens, flat (one tier from 0) or tiered. What a tier counts: all of a tenant's
 * tokens of one model and token class in one billing period, whatever the region; tokens fill the tiers in
 * the order they were used.
 * <p>
 * Graduated: each token is priced at the rate of the tier it falls in. Volume: every token is priced at the
 * rate of the tier the period's last token reached, except that the amount never exceeds what reaching the
 * next tier would cost. Plain volume pricing has a cliff (one token more can make the whole period cheaper);
 * with the cap, using more never costs less, and the buyer never pays more than a larger usage would have.
 * <p>
 * Amounts are exact: tokens x rate / 1,000,000 with no rounding (see {@code MinorUnits}).
 */
public record TieredRate(TierMode mode, List<Tier> tiers) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    public TieredRate {
        tiers = List.copyOf(tiers);
        List<String> problems = problems(mode, tiers);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    public static TieredRate flat(BigDecimal ratePerMillion) {
        return new TieredRate(TierMode.GRADUATED, List.of(new Tier(0, ratePerMillion)));
    }

    /** Why these tiers are not valid; empty when they are. Used for request validation too. */
    public static List<String> problems(TierMode mode, List<Tier> tiers) {
        List<String> problems = new ArrayList<>();
        if (mode == null) {
            problems.add("tier mode is missing");
        }
        if (tiers == null || tiers.isEmpty()) {
            problems.add("at least one tier (or a flat rate) is required");
            return problems;
        }
        if (tiers.getFirst().fromTokens() != 0) {
            problems.add("the first tier must start at 0 tokens (a gap before it would leave tokens unpriced)");
        }
        for (int i = 0; i < tiers.size(); i++) {
            Tier tier = tiers.get(i);
            if (tier.ratePerMillion() == null || tier.ratePerMillion().signum() < 0) {
                problems.add("tier " + (i + 1) + " has a missing or negative rate");
            }
            if (i > 0 && tier.fromTokens() <= tiers.get(i - 1).fromTokens()) {
                problems.add("tier " + (i + 1) + " starts at " + tier.fromTokens() + ", not after tier " + i + " ("
                        + tiers.get(i - 1).fromTokens() + "): tiers must be ordered and must not overlap");
            }
        }
        return problems;
    }

    /**
     * The highest rate any token can be priced at: what a budget must reserve per token when it cannot know the tier.
     */
    public BigDecimal maxRatePerMillion() {
        return tiers.stream().map(Tier::ratePerMillion).reduce(BigDecimal.ZERO, BigDecimal::max);
    }

    /** What the first {@code tokens} tokens of the period cost. */
    public BigDecimal amountFor(long tokens) {
        if (tokens < 0) {
            throw new IllegalArgumentException("negative tokens: " + tokens);
        }
        return mode == TierMode.GRADUATED ? graduated(tokens) : volumeWithoutCliff(tokens);
    }

    /** What tokens number {@code alreadyCounted} to {@code alreadyCounted + tokens - 1} add to the period. */
    public BigDecimal incrementalAmount(long alreadyCounted, long tokens) {
        return amountFor(Math.addExact(alreadyCounted, tokens)).subtract(amountFor(alreadyCounted));
    }

    /** The tier (0-based) that the token with this 0-based index falls in. */
    public int tierOf(long tokenIndex) {
        int tier = 0;
        while (tier + 1 < tiers.size() && tiers.get(tier + 1).fromTokens() <= tokenIndex) {
            tier++;
        }
        return tier;
    }

    /** Where a tier ends (exclusive), or Long.MAX_VALUE for the last. */
    public long tierEnd(int tier) {
        return tier + 1 < tiers.size() ? tiers.get(tier + 1).fromTokens() : Long.MAX_VALUE;
    }

    private BigDecimal graduated(long tokens) {
        BigDecimal amount = BigDecimal.ZERO;
        for (int i = 0; i < tiers.size() && tokens > tiers.get(i).fromTokens(); i++) {
            long inTier = Math.min(tokens, tierEnd(i)) - tiers.get(i).fromTokens();
            amount = amount.add(perMillion(inTier, tiers.get(i).ratePerMillion()));
        }
        return amount;
    }

    private BigDecimal plainVolume(long tokens) {
        return tokens == 0
                ? BigDecimal.ZERO
                : perMillion(tokens, tiers.get(tierOf(tokens - 1)).ratePerMillion());
    }

    /**
     * min over every quantity >= tokens of the plain volume amount: within a tier it grows, so only tier starts
     * matter.
     */
    private BigDecimal volumeWithoutCliff(long tokens) {
        BigDecimal amount = plainVolume(tokens);
        for (int i = tierOf(Math.max(0, tokens - 1)) + 1; i < tiers.size(); i++) {
            BigDecimal atNextTier = plainVolume(tiers.get(i).fromTokens() + 1);
            if (atNextTier.compareTo(amount) < 0) {
                amount = atNextTier;
            }
        }
        return amount;
    }

    static BigDecimal perMillion(long tokens, BigDecimal ratePerMillion) {
        return ratePerMillion
                .multiply(BigDecimal.valueOf(tokens))
                .divide(MILLION); // exact: dividing by 10^6 terminates
    }
}
