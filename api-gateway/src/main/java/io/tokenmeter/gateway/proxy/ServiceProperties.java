package io.tokenmeter.gateway.proxy;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.net.URI;

/** Where each service behind the gateway listens; {@code console}: the browser console, served under /console. */
@ConfigurationProperties("tokenmeter.gateway.services")
public record ServiceProperties(URI metering, URI pricing, URI billing, URI console) {}
