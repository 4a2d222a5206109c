package io.tokenmeter.metering.rollups;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param sealAfter how long after a UTC day ends it is sealed into the daily rollups. Events that arrive later are
 *                  still counted right (ingest adds them to the sealed day too), at the cost of a second upsert; the
 *                  delay keeps that rare (a gateway's spool after an outage, an import of old usage).
 * @param sealEvery how often the sealer looks for a day to seal
 */
@ConfigurationProperties("tokenmeter.metering.rollups")
record RollupProperties(
        @DefaultValue("6h") Duration sealAfter,
        @DefaultValue("1m") Duration sealEvery) {}
