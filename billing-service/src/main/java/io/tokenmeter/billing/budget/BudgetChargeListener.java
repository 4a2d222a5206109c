package io.tokenmeter.billing.budget;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.usage.BudgetCharge;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Books the budget charges the usage events carry, in their own consumer group: the lease's spend then counts every
 * call it admitted even when its gateway died before reporting it. Events without charges are skipped on a byte
 * search, before parsing; events metering refuses are refused here too (metering dead-letters them). A database
 * failure is retried here without end, the offsets uncommitted, so no charge is skipped; booking is idempotent.
 * Fetches wait for a megabyte or a second, so booking costs about one transaction a second, whatever the call rate.
 */
@Component
class BudgetChargeListener {

    private static final Logger log = LoggerFactory.getLogger(BudgetChargeListener.class);
    private static final byte[] MARKER = "\"budget_charges\"".getBytes(StandardCharsets.US_ASCII);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final BudgetLedger ledger;
    private final Counter booked;

    BudgetChargeListener(BudgetLedger ledger, MeterRegistry meters) {
        this.ledger = ledger;
        this.booked = Counter.builder("tokenmeter.budget.charges_booked")
                .description("usage events' budget charges booked on their leases")
                .register(meters);
    }

    @KafkaListener(
            id = "budget-charges",
            groupId = "billing-service-budget-charges",
            topics = UsageTopics.USAGE_EVENTS,
            batch = "true",
            properties = {
                "key.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "value.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer",
                "auto.offset.reset=earliest",
                "enable.auto.commit=false",
                // one booking transaction a second at most, not one per call: the charges matter when a gateway
                // died, and a second's delay does not
                "fetch.min.bytes=1048576",
                "fetch.max.wait.ms=1000",
                "max.poll.records=5000"
            })
    void on(List<ConsumerRecord<byte[], byte[]>> records) throws InterruptedException {
        List<BudgetLedger.Charge> charges = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (record.value() == null || indexOf(record.value(), MARKER) < 0) {
                continue;
            }
            UsageEventCodec.Decoded decoded = UsageEventCodec.decode(record.value());
            if (!decoded.accepted()) {
                continue;
            }
            for (BudgetCharge c : decoded.event().budgetCharges()) {
                charges.add(new BudgetLedger.Charge(decoded.event().eventId(), c.leaseId(), c.amount()));
            }
        }
        if (charges.isEmpty()) {
            return;
        }
        Duration backoff = Duration.ofMillis(100);
        for (int attempt = 1; ; attempt++) {
            try {
                booked.increment(ledger.book(charges));
                return;
            } catch (RuntimeException e) {
                log.warn(
                        "waiting for the billing database to book {} budget charges (attempt {}, next in {}): {}",
                        charges.size(),
                        attempt,
                        backoff,
                        e.toString());
                Thread.sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
