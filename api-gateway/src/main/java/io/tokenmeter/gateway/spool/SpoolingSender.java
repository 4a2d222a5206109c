package io.tokenmeter.gateway.spool;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenmeter.contracts.usage.UsageEventCodec;
import io.tokenmeter.contracts.usage.UsageTopics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Sends usage events to Kafka, and keeps them in the {@link UsageSpool} whenever Kafka cannot take them: a
 * send that fails goes to the spool, and while the broker is known to be unreachable new events go straight
 * there. The drainer replays spooled segments once the broker answers; an event sent twice is harmless, since
 * metering deduplicates on its id.
 * <p>
 * Window left open, by design: events handed to the Kafka producer but not yet acknowledged live in memory for
 * up to the producer's {@code delivery.timeout.ms} (15 s here); a crash of the gateway in that window loses them.
 */
@Component
public class SpoolingSender implements DisposableBean, ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(SpoolingSender.class);

    private final KafkaTemplate<String, byte[]> kafka;
    private final UsageSpool spool;
    private final MeterRegistry meters;
    private final ExecutorService spoolWriter = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean brokerDown;
    private volatile String lastRefusal;

    SpoolingSender(KafkaTemplate<String, byte[]> kafka, SpoolProperties properties, MeterRegistry meters)
            throws IOException {
        this.kafka = kafka;
        this.meters = meters;
        this.spool = new UsageSpool(
                properties.directory(),
                properties.maxBytes(),
                properties.fsyncEvery().toNanos(),
                properties.segmentBytes().toBytes(),
                properties.minFreeBytes().toBytes());
        Gauge.builder("tokenmeter.gateway.spool.depth", spool, UsageSpool::depthRecords)
                .description("usage events waiting in the local spool")
                .register(meters);
        Gauge.builder("tokenmeter.gateway.spool.bytes", spool, UsageSpool::depthBytes)
                .baseUnit("bytes")
                .register(meters);
        this.brokerDown = spool.depthRecords() > 0;
    }

    /**
     * Fetches the usage topic's metadata before the first call needs it (a runner: readiness waits for it), so
     * that no request waits for it, or is spooled because it took longer than {@code max.block.ms} on a busy
     * machine. A broker that is down now is not an error: the first send finds out and spools.
     */
    @Override
    public void run(ApplicationArguments args) {
        try {
            kafka.partitionsFor(UsageTopics.USAGE_EVENTS);
        } catch (RuntimeException e) {
            log.warn(
                    "Kafka has no metadata for {} yet ({}); the first usage events may be spooled",
                    UsageTopics.USAGE_EVENTS,
                    NestedExceptionUtils.getMostSpecificCause(e).toString());
        }
    }

    /**
     * A call's right to be served: while Kafka is down, the spool space its usage events will take, promised before
     * the upstream is called; nothing to promise while Kafka takes events. Closed when the call is over.
     */
    public static final class Admission implements AutoCloseable {
        static final Admission KAFKA = new Admission(null);

        private final UsageSpool spool;
        private boolean open = true;

        private Admission(UsageSpool spool) {
            this.spool = spool;
        }

        boolean reserved() {
            return spool != null && open;
        }

        @Override
        public void close() {
            if (spool != null && open) {
                open = false;
                spool.release();
            }
        }
    }

    /**
     * Admits a call whose usage can be recorded: at once while Kafka takes events, else with spool space promised
     * to it; null when the spool cannot promise any (the disk is full, a write failed, the spool is at its maximum),
     * and the call must be refused before its upstream is called.
     */
    public Admission admit() {
        if (!brokerDown) {
            return Admission.KAFKA;
        }
        if (spool.tryReserve()) {
            return new Admission(spool);
        }
        meters.counter("tokenmeter.gateway.usage_events", "outcome", "refused_unrecordable")
                .increment();
        String why = spool.unwritable();
        if (why != null && !why.equals(lastRefusal)) {
            log.error("refusing model calls: Kafka is unreachable and the spool cannot take their usage ({})", why);
            lastRefusal = why;
        }
        return null;
    }

    public void send(String tenantId, byte[] event, Admission recording) {
        if (brokerDown) {
            toSpool(event, recording.reserved());
            return;
        }
        CompletableFuture<SendResult<String, byte[]>> sent;
        try {
            sent = kafka.send(UsageTopics.USAGE_EVENTS, tenantId, event);
        } catch (RuntimeException e) {
            // without metadata the producer fails the send itself, after max.block.ms, instead of its future
            outage(e);
            toSpool(event, recording.reserved());
            return;
        }
        sent.whenComplete((result, error) -> {
            if (error == null) {
                meters.counter("tokenmeter.gateway.usage_events", "outcome", "sent")
                        .increment();
                return;
            }
            outage(error);
            // not on the producer's own thread: the append waits for an fsync. The call is over, so no promised space
            spoolWriter.execute(() -> toSpool(event, false));
        });
    }

    private void outage(Throwable error) {
        if (!brokerDown) {
            log.warn(
                    "Kafka did not take a usage event ({}); spooling events locally until it does",
                    NestedExceptionUtils.getMostSpecificCause(error).toString());
        }
        brokerDown = true;
    }

    private void toSpool(byte[] event, boolean reserved) {
        try {
            spool.append(event, reserved);
            meters.counter("tokenmeter.gateway.usage_events", "outcome", "spooled")
                    .increment();
        } catch (IOException e) {
            meters.counter("tokenmeter.gateway.usage_events", "outcome", "lost").increment();
            log.error("a usage event could neither be sent nor spooled: {}", e.getMessage());
            throw new UncheckedIOException(e);
        }
    }

    /** True when a call now could not have its usage recorded: the broker is down and the spool cannot take records. */
    public boolean cannotRecord() {
        return brokerDown && spool.unwritable() != null;
    }

    public boolean brokerDown() {
        return brokerDown;
    }

    public UsageSpool spool() {
        return spool;
    }

    /** Replays spooled segments, oldest first; stops at the first one Kafka does not fully acknowledge. */
    @Scheduled(fixedDelayString = "${tokenmeter.gateway.spool.drain-every:1s}")
    public void drain() {
        if (spool.depthRecords() == 0) {
            return;
        }
        try {
            spool.rollIfIdle(); // the segment being written is drained once the calls promised space in it are over
            List<Path> closedSegments = spool.closedSegments();
            if (closedSegments.isEmpty()) {
                return; // nothing to send yet, so nothing shows whether Kafka is back
            }
            for (Path segment : closedSegments) {
                UsageSpool.Segment content = UsageSpool.read(segment);
                if (content.torn()) {
                    meters.counter("tokenmeter.gateway.spool.torn_segments").increment();
                    log.warn(
                            "spool segment {} ends in a torn record (a crash or a failed write mid-record); its {} whole records are replayed",
                            segment.getFileName(),
                            content.records().size());
                }
                List<byte[]> records = content.records();
                List<CompletableFuture<SendResult<String, byte[]>>> sends = new ArrayList<>(records.size());
                for (byte[] record : records) {
                    UsageEventCodec.Decoded decoded = UsageEventCodec.decode(record);
                    String key = decoded.accepted() ? decoded.event().tenantId() : null;
                    sends.add(kafka.send(UsageTopics.USAGE_EVENTS, key, record));
                }
                kafka.flush();
                CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
                spool.delete(segment, content);
                meters.counter("tokenmeter.gateway.usage_events", "outcome", "replayed")
                        .increment(records.size());
            }
            if (brokerDown) {
                log.info("Kafka takes usage events again; the spool is drained");
            }
            brokerDown = false;
        } catch (Exception e) {
            brokerDown = true;
            log.debug("spool not drained yet: {}", e.toString());
        }
    }

    @Override
    public void destroy() throws IOException {
        spoolWriter.close();
        spool.close();
    }
}
