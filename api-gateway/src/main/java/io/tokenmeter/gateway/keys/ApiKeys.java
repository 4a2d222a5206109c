package io.tokenmeter.gateway.keys;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.tokenmeter.contracts.identity.Role;
import io.tokenmeter.contracts.usage.EventIds;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;

/** Issues keys and authenticates them. The clear key exists only in the answer to its creation. */
@Service
public class ApiKeys {

    public static final String KEY_PREFIX = "tm_";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key as issued: {@code key} is the only copy of the clear key anywhere. */
    public record IssuedKey(String id, String key, String prefix, Role role, String tenantId, String name) {
        @Override
        public String toString() {
            return "IssuedKey[id=" + id + ", prefix=" + prefix + ", role=" + role + "]"; // never the key
        }
    }

    private final ApiKeyRepository keys;
    private final TenantKeyEvents events;
    /** Good keys only: a failed lookup is never cached, so a flood of made-up keys cannot evict the real ones. */
    private final Cache<String, ActiveKey> cache;

    ApiKeys(ApiKeyRepository keys, KeyProperties properties, TenantKeyEvents events) {
        this.keys = keys;
        this.events = events;
        this.cache = Caffeine.newBuilder()
                .maximumSize(100_000)
                .expireAfterWrite(properties.cacheTtl())
                .build();
    }

    public static String sha256(String key) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new random key: {@code tm_} and 256 random bits, base64url. */
    public static String newClearKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return KEY_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public Optional<ActiveKey> authenticate(String presentedKey) {
        if (presentedKey == null || !presentedKey.startsWith(KEY_PREFIX) || presentedKey.length() > 200) {
            return Optional.empty();
        }
        String hash = sha256(presentedKey);
        ActiveKey cached = cache.getIfPresent(hash);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<ActiveKey> found = keys.findActiveByHash(hash);
        found.ifPresent(key -> cache.put(hash, key));
        return found;
    }

    @Transactional
    public IssuedKey issue(Role role, String tenantId, String name, String issuedBy) {
        return issue(role, tenantId, name, issuedBy, null);
    }

    /** @param requestsPerMinute the key's own rate limit; null for the gateway's default */
    @Transactional
    public IssuedKey issue(Role role, String tenantId, String name, String issuedBy, Integer requestsPerMinute) {
        String clear = newClearKey();
        String id = "key_" + EventIds.newEventId();
        String prefix = clear.substring(0, KEY_PREFIX.length() + 8);
        events.changed(
                keys.save(new ApiKey(id, tenantId, role, name, prefix, sha256(clear), issuedBy, requestsPerMinute)));
        return new IssuedKey(id, clear, prefix, role, tenantId, name);
    }

    /** Key ids, prefixes and dates of a tenant, never hashes. */
    public java.util.List<ApiKey> ofTenant(String tenantId) {
        return keys.findAllByTenantIdOrderByCreatedAtAsc(tenantId);
    }

    /**
     * Revokes a key. This gateway forgets what it cached, so the next call with the key fails here; other
     * instances follow within the cache TTL.
     */
    @Transactional
    public Optional<ApiKey> revoke(String tenantId, String keyId) {
        Optional<ApiKey> key = keys.findByIdAndTenantId(keyId, tenantId);
        key.ifPresent(k -> {
            k.revoke();
            events.changed(keys.save(k));
        });
        cache.invalidateAll();
        return key;
    }

    /** Finance and admin keys, by id and prefix, never hashes. */
    public java.util.List<ApiKey> staffKeys() {
        return keys.findAllByTenantIdIsNullOrderByCreatedAtAsc();
    }

    /**
     * Revokes a finance or admin key, at once on this instance and within the cache TTL on the others. The last
     * active admin key is kept: without it nobody could issue another.
     */
    @Transactional
    public Optional<ApiKey> revokeStaffKey(String keyId) {
        Optional<ApiKey> key = keys.findByIdAndTenantIdIsNull(keyId);
        key.ifPresent(k -> {
            if (k.getRevokedAt() == null
                    && k.getRole() == Role.ADMIN
                    && keys.countByRoleAndTenantIdIsNullAndRevokedAtIsNull(Role.ADMIN) <= 1) {
                throw new LastAdminKey();
            }
            k.revoke();
            keys.save(k);
        });
        cache.invalidateAll();
        return key;
    }

    /** Revoking the only active admin key would lock every admin out. */
    public static final class LastAdminKey extends RuntimeException {
        LastAdminKey() {
            super("this is the last active admin key; issue another admin key before revoking it", null, false, false);
        }
    }

    /** A tenant suspended, restored or otherwise changed: its keys' cached state no longer holds. */
    @org.springframework.context.event.EventListener
    void on(io.tokenmeter.gateway.tenants.TenantStatusChanged changed) {
        cache.invalidateAll();
    }

    /** After a change that affects many keys at once (a tenant suspended or restored). */
    public void forgetCachedKeys() {
        cache.invalidateAll();
    }

    /** Registers a key whose clear value someone else holds, by its hash. No-op when it exists. */
    @Transactional
    public void ensureByHash(Role role, String name, String sha256Hex, String issuedBy) {
        if (!keys.existsByKeyHash(sha256Hex)) {
            keys.save(new ApiKey(
                    "key_" + EventIds.newEventId(), null, role, name, "(bootstrap)", sha256Hex, issuedBy, null));
        }
    }
}
