package io.tokenmeter.gateway.usage;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.usage.BudgetCharge;
import io.tokenmeter.contracts.usage.UsageEvent;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageStatus;
import io.tokenmeter.gateway.routing.ModelRouter.ResolvedRoute;
import io.tokenmeter.gateway.spool.SpoolingSender;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Emits one usage event per call that consumed tokens, keyed by tenant, with an idempotent acks=all producer.
 * The send is asynchronous so the caller does not wait for the broker; when Kafka cannot take it, the
 * {@link SpoolingSender} keeps it on disk until it can.
 */
@Component
public class UsagePublisher {

    private final SpoolingSender sender;
    private final MeterRegistry meters;

    UsagePublisher(SpoolingSender sender, MeterRegistry meters) {
        this.sender = sender;
        this.meters = meters;
    }

    /**
     * Publishes the event and returns its id; {@code null} when the call consumed no tokens. With an id chosen in
     * advance (a stream names its event in the response headers, before the tokens are
     * known) and {@code estimated} when the upstream did not report the usage. {@code recording} is the call's
     * admission, whose spool space the event may take while Kafka is down; {@code charges}, what the call cost on
     * each budget it is held to (empty without budgets); {@code details}, what the request log shows beyond tokens.
     */
    public UUID publish(
            UUID eventId,
            Caller caller,
            ResolvedRoute route,
            TokenUsage usage,
            boolean estimated,
            UsageStatus status,
            String requestId,
            Duration latency,
            List<BudgetCharge> charges,
            CallDetails details,
            SpoolingSender.Admission recording) {
        if (!usage.consumedTokens()) {
            return null;
        }
        UsageEvent event = new UsageEvent(
                UsageEvent.SCHEMA_VERSION,
                eventId,
                caller.tenantId(),
                caller.keyId(),
                route.model(),
                route.provider(),
                route.region(),
                usage.input(),
                usage.cachedInput(),
                usage.cacheWrite(),
                usage.output(),
                usage.reasoning(),
                estimated,
                requestId,
                status,
                latency.toMillis(),
                Instant.now(),
                charges,
                details.streamed(),
                details.firstToken() == null ? null : details.firstToken().toMillis(),
                details.attempts(),
                details.cost(),
                details.costCurrency());
        sender.send(event.tenantId(), UsageEventCodec.toJson(event), recording);
        meters.counter(
                        "tokenmeter.gateway.tokens",
                        "model",
                        route.model(),
                        "provider",
                        route.provider(),
                        "region",
                        route.region())
                .increment(usage.input() + usage.cachedInput() + usage.cacheWrite() + usage.output());
        return event.eventId();
    }
}
