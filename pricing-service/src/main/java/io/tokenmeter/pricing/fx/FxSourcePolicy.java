package io.tokenmeter.pricing.fx;

import io.tokenmeter.contracts.rating.FxRate;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.util.List;
import java.util.Locale;

/**
 * Which source's rate applies when several published one for the same pair and day: the first of
 * {@code sourceOrder}. By default an admin's explicit entry, then the ECB's reference rate, then the local stack's
 * illustrative demo rates. A source matches an entry when it is that entry or begins with it and a space
 * ({@code demo (illustrative)} is {@code demo}), ignoring case; {@code admin} also stands for any source the order
 * does not name, since only an admin enters rates by hand.
 */
@ConfigurationProperties("tokenmeter.pricing.fx")
public record FxSourcePolicy(
        @DefaultValue({"admin", "ecb", "demo"}) List<String> sourceOrder) {

    public static final FxSourcePolicy DEFAULT = new FxSourcePolicy(List.of("admin", "ecb", "demo"));

    public FxSourcePolicy {
        sourceOrder = sourceOrder.stream()
                .map(s -> s.strip().toLowerCase(Locale.ROOT))
                .toList();
    }

    /** Lower wins. */
    int rank(String source) {
        String s = source == null ? "" : source.toLowerCase(Locale.ROOT);
        for (int i = 0; i < sourceOrder.size(); i++) {
            String entry = sourceOrder.get(i);
            if (s.equals(entry) || s.startsWith(entry + " ")) {
                return i;
            }
        }
        int admin = sourceOrder.indexOf("admin");
        return admin >= 0 ? admin : sourceOrder.size();
    }

    /** Whether {@code candidate} should replace {@code current} for the same pair and day. */
    boolean prefers(FxRate candidate, FxRate current) {
        int a = rank(candidate.source());
        int b = rank(current.source());
        return a < b || (a == b && candidate.source().compareTo(current.source()) < 0); // equal rank: stable by name
    }
}
