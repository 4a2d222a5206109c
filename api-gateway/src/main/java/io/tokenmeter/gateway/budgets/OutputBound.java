package io.tokenmeter.gateway.budgets;

/**
 * The most output a request lets an upstream generate, as the request's own fields grant it: tokens per choice
 * ({@code 0} when no field names a limit, and the model's own limit then applies) and the number of choices,
 * which multiplies it.
 */
public record OutputBound(long perChoice, int choices) {

    /** A request that names no output limit and asks for one choice. */
    public static final OutputBound UNSTATED = new OutputBound(0, 1);

    public OutputBound {
        if (perChoice < 0 || choices < 1) {
            throw new IllegalArgumentException("perChoice >= 0 and choices >= 1, got " + perChoice + " and " + choices);
        }
    }

    /**
     * The output bound on a route whose model generates at most {@code modelLimit} tokens (null: unknown). A limit
     * the request states is reserved as stated, even above the model's: an upstream that does not refuse it (the
     * simulator, a provider that raised its ceiling) would generate that much.
     */
    long tokens(Long modelLimit, long defaultLimit) {
        long perChoiceBound = perChoice > 0 ? perChoice : modelLimit != null ? modelLimit : defaultLimit;
        return Math.multiplyExact(perChoiceBound, (long) choices);
    }
}
