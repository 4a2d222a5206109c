package io.tokenmeter.gateway.spool;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.nio.file.Path;
import java.time.Duration;

/**
 * @param directory    where the segments live; must survive a restart of the gateway
 * @param maxBytes     the bound: beyond it the gateway refuses calls rather than serve them unmetered
 * @param fsyncEvery   group commit: appends wait at most this long for the fsync that covers them
 * @param drainEvery   how often the drainer looks for spooled events and tries Kafka again
 * @param segmentBytes a segment's size, taken from the disk when it is created; bounds how many calls can be admitted
 *                     at once while Kafka is down (4 KB each: 16 MB is about GATEWAY_MAX_CONNECTIONS of them)
 * @param minFreeBytes the free space a new segment must leave on the spool's filesystem
 */
@ConfigurationProperties("tokenmeter.gateway.spool")
public record SpoolProperties(
        @DefaultValue(".tokenmeter/spool") Path directory,
        @DefaultValue("1073741824") long maxBytes,
        @DefaultValue("10ms") Duration fsyncEvery,
        @DefaultValue("1s") Duration drainEvery,
        @DefaultValue("16MB") DataSize segmentBytes,
        @DefaultValue("64MB") DataSize minFreeBytes) {}
