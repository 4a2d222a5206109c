package io.tokenmeter.billing.calls;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.net.URI;
import java.time.Duration;

/**
 * @param metering    metering-service, for billable usage
 * @param pricing     pricing-service, for quotes
 * @param callTimeout how long one call to metering or pricing may take, connecting included; a stalled service fails
 *                    the tenant being drafted (retried alone later), not the run
 */
@ConfigurationProperties("tokenmeter.billing.services")
record ServiceCallProperties(
        @DefaultValue("http://127.0.0.1:8081") URI metering,
        @DefaultValue("http://127.0.0.1:8082") URI pricing,
        @DefaultValue("30s") Duration callTimeout) {}
