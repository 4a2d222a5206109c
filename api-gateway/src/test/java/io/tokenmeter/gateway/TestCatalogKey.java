package io.tokenmeter.gateway;

import java.security.SecureRandom;
import java.util.Base64;

/** The key that seals upstream credentials in the tests' catalog: random, one per test run, never committed. */
public final class TestCatalogKey {

    public static final String PROPERTY = "tokenmeter.gateway.catalog.credentials-key";
    /** One key for the whole run: the test contexts share a database, and each must open what another sealed. */
    public static final String VALUE;

    static {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        VALUE = Base64.getEncoder().encodeToString(key);
    }

    private TestCatalogKey() {}
}
