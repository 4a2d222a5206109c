package io.tokenmeter.gateway.usage;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.contracts.usage.UsageTopics;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * Emits one usage event per call that consumed tokens, keyed by tenant, with an idempotent acks=all producer.
 * The send is asynchronous so the caller does not wait for the broker.
 * <p>
 * Known gap, closed by the durable spool of the next gateway issue: if the broker stays unreachable beyond
 * the producer's delivery timeout, the event is logged and counted as failed, not yet kept on disk.
 */
@Component
public class UsagePublisher {

    private static final Logger log = LoggerFactory.getLogger(UsagePublisher.class);

    private final KafkaTemplate<String, byte[]> kafka;
    private final MeterRegistry meters;

    UsagePublisher(KafkaTemplate<String, byte[]> kafka, MeterRegistry meters) {
        this.kafka = kafka;
        this.meters = meters;
    }

    /** Publishes the event and returns its id; {@code null} when the call consumed no tokens. */
    public UUID publish(Caller caller, ResolvedRoute route, TokenUsage usage, UsageStatus status, String requestId,
                        Duration latency) {
        return publish(EventIds.newEventId(), caller, route, usage, false, status, requestId, latency);
    }

    /**
     * With an id chosen in advance (a stream names its event in the response headers, before the tokens are
     * known) and {@code estimated} when the upstream did not report the usage.
     */
    public UUID publish(UUID eventId, Caller caller, ResolvedRoute route, TokenUsage usage, boolean estimated, UsageStatus status,
                        String requestId, Duration latency) {
        if (!usage.consumedTokens()) {
            return null;
        }
        UsageEvent event = new UsageEvent(UsageEvent.SCHEMA_VERSION, eventId, caller.tenantId(), caller.keyId(),
                route.model(), route.provider(), route.region(), usage.input(), usage.cachedInput(), usage.cacheWrite(),
                usage.output(), usage.reasoning(), estimated, requestId, status, latency.toMillis(), Instant.now());
        kafka.send(UsageTopics.USAGE_EVENTS, event.tenantId(), UsageEventCodec.toJson(event)).whenComplete((result, error) -> {
            if (error != null) {
                meters.counter("tokenmeter.gateway.usage_events", "outcome", "failed").increment();
                log.error("usage event {} of request {} could not be sent to Kafka: {}", event.eventId(), requestId, error.getMessage());
            } else {
                meters.counter("tokenmeter.gateway.usage_events", "outcome", "sent").increment();
            }
        });
        meters.counter("tokenmeter.gateway.tokens", "model", route.model(), "provider", route.provider(), "region", route.region())
                .increment(usage.input() + usage.cachedInput() + usage.cacheWrite() + usage.output());
        return event.eventId();
    }
}
