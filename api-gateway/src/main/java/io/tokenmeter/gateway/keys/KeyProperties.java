package io.tokenmeter.gateway.keys;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * @param bootstrapAdminKeySha256 hex SHA-256 of an admin key to ensure at start, so a fresh installation has a
 *                                first admin; the clear key never reaches the gateway
 * @param cacheTtl                how long a looked-up key is trusted without asking the database again
 */
@ConfigurationProperties("tokenmeter.gateway.keys")
public record KeyProperties(
        String bootstrapAdminKeySha256, @DefaultValue("30s") Duration cacheTtl) {}
