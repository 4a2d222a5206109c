package io.tokenmeter.console.platform;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.net.URI;
import java.time.Duration;

/**
 * Where the console reaches the platform: the gateway, the same front door every client uses, so every role and
 * tenant rule is enforced where it is enforced for them.
 */
@ConfigurationProperties("tokenmeter.console.platform")
public record PlatformProperties(URI gatewayUrl, Duration timeout) {

    public PlatformProperties {
        if (gatewayUrl == null) {
            throw new IllegalArgumentException("tokenmeter.console.platform.gateway-url is required");
        }
        timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
    }
}
