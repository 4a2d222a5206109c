package io.tokenmeter.gateway.keys;

import io.tokenmeter.contracts.identity.Role;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.stereotype.Component;

import java.util.regex.Pattern;

/** Makes sure the configured first admin key exists, so a fresh installation can be administered. */
@Component
class BootstrapAdminKey implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(BootstrapAdminKey.class);
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private final ApiKeys keys;
    private final KeyProperties properties;

    BootstrapAdminKey(ApiKeys keys, KeyProperties properties) {
        this.keys = keys;
        this.properties = properties;
    }

    @Override
    public void run(ApplicationArguments args) {
        String hash = properties.bootstrapAdminKeySha256();
        if (hash == null || hash.isBlank()) {
            return;
        }
        if (!SHA256_HEX.matcher(hash).matches()) {
            throw new IllegalStateException(
                    "tokenmeter.gateway.keys.bootstrap-admin-key-sha256 must be 64 lowercase hex digits");
        }
        keys.ensureByHash(Role.ADMIN, "bootstrap admin", hash, "bootstrap");
        log.info("bootstrap admin key is registered");
    }
}
