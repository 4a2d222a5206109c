package io.tokenmeter.gateway.spool;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.nio.file.Path;
import java.time.Duration;

/**
 * @param directory    where the segments live; must survive a restart of the gateway
 * @param maxBytes     the bound: beyond it the gateway refuses calls rather than serve them unmetered
 * @param fsyncEvery   group commit: appends wait at most this long for the fsync that covers them
 * @param drainEvery   how often the drainer looks for spooled events and tries Kafka again
 */
@ConfigurationProperties("tokenmeter.gateway.spool")
public record SpoolProperties(@DefaultValue("${java.io.tmpdir}/tokenmeter-gateway-spool") Path directory,
                              @DefaultValue("1073741824") long maxBytes,
                              @DefaultValue("10ms") Duration fsyncEvery,
                              @DefaultValue("1s") Duration drainEvery) {
}
