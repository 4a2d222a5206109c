package io.tokenmeter.contracts.usage;

/** Topic names; partition counts and retention live in {@code infra/kafka/topics.txt}. */
public final class UsageTopics {

    /** Usage events, keyed by tenant id so one tenant's events stay in order on one partition. */
    public static final String USAGE_EVENTS = "usage-events.v1";

    /** Events metering could not accept, with the reason in the {@link #REASON_HEADER} header. */
    public static final String USAGE_EVENTS_DEAD_LETTER = "usage-events.v1.dlt";

    public static final String REASON_HEADER = "tokenmeter-dlt-reason";
    public static final String SOURCE_TOPIC_HEADER = "tokenmeter-dlt-source";

    private UsageTopics() {}
}
