package io.tokenmeter.contracts.web;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The secret the gateway signs forwarded callers with. Every process of one platform shares it; the local
 * stack generates one per installation, production sets {@code TOKENMETER_INTERNAL_SECRET}.
 *
 * @param secret            at least 16 characters
 * @param requireCaller     false only in the gateway, which authenticates API keys itself
 */
@ConfigurationProperties("tokenmeter.internal")
public record InternalAuthProperties(String secret, boolean requireCaller) {
}
