package io.tokenmeter.starter.web;

import io.tokenmeter.contracts.identity.Role;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.util.List;
import java.util.Map;

/**
 * Who this process is when it calls other services, and whom it accepts calls from (see
 * {@link io.tokenmeter.contracts.identity.CallerHeaders}). The local stack makes a key pair per calling process;
 * production sets them from its secret store.
 *
 * @param name          who this process signs as ({@code gateway}, {@code billing}); blank when it calls no service
 * @param privateKey    its Ed25519 private key, PKCS#8, base64; blank when it calls no service
 * @param callers       the callers it accepts: their public keys and the roles each may claim; one whose key is blank
 *                      is not accepted
 * @param requireCaller false only in the gateway, which authenticates API keys itself
 * @param maxBody       the largest body a service reads to check its signature (the gateway bounds bodies lower)
 */
@ConfigurationProperties("tokenmeter.internal")
public record InternalAuthProperties(
        String name,
        String privateKey,
        Map<String, TrustedCaller> callers,
        @DefaultValue("true") boolean requireCaller,
        @DefaultValue("32MB") DataSize maxBody) {

    public InternalAuthProperties {
        callers = callers == null ? Map.of() : callers;
    }

    public record TrustedCaller(String publicKey, List<Role> roles) {}
}
