package io.tokenmeter.gateway.routing;

import io.tokenmeter.gateway.routing.CatalogEntries.ModelEntry;
import io.tokenmeter.gateway.routing.CatalogEntries.RouteEntry;
import io.tokenmeter.testsupport.RealInfrastructure;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routing configuration seeds the catalog and keeps the entries it owns current at each start (a deployment's
 * upstream URL and key live in its environment), and leaves an entry an admin wrote through the API alone. A start
 * with nothing new leaves the revision where it was, so no instance re-reads the catalog for nothing.
 */
@SpringBootTest(
        properties = {
            "spring.profiles.active=routingtest",
            "tokenmeter.test.database=gateway_catalog_seed",
            "UPSTREAM_SIMULATOR_URL=http://127.0.0.1:1/v1",
            "UPSTREAM_SIMULATOR_DEEPSEEK_URL=http://127.0.0.1:1/deepseek/v1",
            "UPSTREAM_SIMULATOR_ANTHROPIC_URL=http://127.0.0.1:1/anthropic",
            "UPSTREAM_SIMULATOR_API_KEY=first-key"
        })
@RealInfrastructure
class CatalogSeedTest {

    @org.springframework.test.context.DynamicPropertySource
    static void catalogKey(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add(io.tokenmeter.gateway.TestCatalogKey.PROPERTY, () -> io.tokenmeter.gateway.TestCatalogKey.VALUE);
    }

    @Autowired
    CatalogSeed seed;

    @Autowired
    CatalogStore store;

    @Autowired
    ModelRouter router;

    @Autowired
    RoutingProperties configuration;

    @Autowired
    org.springframework.jdbc.core.JdbcTemplate jdbc;

    @Test
    void theConfigurationKeepsItsOwnEntriesCurrentAndLeavesTheAdminsAlone() {
        assertThat(router.all().keySet()).contains("deepseek-v3.2", "glm-5", "kimi-k2", "qwen3-max", "minimax-m2.5");
        assertThat(router.routes("glm-5").getFirst().apiKey()).isEqualTo("first-key");
        long seeded = store.revision();
        seed.apply(configuration);
        assertThat(store.revision())
                .as("the same configuration again: nothing to re-read")
                .isEqualTo(seeded);

        // an admin takes over qwen3-max through the API
        store.putModel(
                new ModelEntry(
                        "qwen3-max",
                        null,
                        List.of(new RouteEntry("dead", "alibaba", "eu-frankfurt", null)),
                        null,
                        null),
                CatalogEntries.ADMIN);

        // the next start: the simulator moved, its key was rotated, and minimax-m2.5 is no longer configured
        Map<String, RoutingProperties.Upstream> upstreams = new HashMap<>(configuration.upstreams());
        RoutingProperties.Upstream simulator = upstreams.get("simulator");
        upstreams.put(
                "simulator",
                new RoutingProperties.Upstream(
                        URI.create("http://127.0.0.1:2/v1"),
                        simulator.anthropicBaseUrl(),
                        "rotated-key",
                        simulator.connectTimeout(),
                        simulator.timeout()));
        seed.apply(new RoutingProperties(
                upstreams,
                configuration.models().stream()
                        .filter(m -> !m.name().equals("minimax-m2.5"))
                        .toList()));
        router.refresh();

        assertThat(store.revision()).isGreaterThan(seeded);
        ModelRouter.ResolvedRoute glm = router.routes("glm-5").getFirst();
        assertThat(glm.chatCompletionsUri()).isEqualTo(URI.create("http://127.0.0.1:2/v1/chat/completions"));
        assertThat(glm.apiKey()).isEqualTo("rotated-key");
        assertThat(router.routes("qwen3-max"))
                .as("the admin's entry is kept")
                .singleElement()
                .satisfies(r -> assertThat(r.region()).isEqualTo("eu-frankfurt"));
        assertThat(router.routes("minimax-m2.5"))
                .as("dropped from the configuration")
                .isEmpty();
        assertThat(store.model("qwen3-max").orElseThrow().managedBy()).isEqualTo("admin");
    }

    /** A configured credential sealed under another key (the key was rotated) is sealed again from configuration. */
    @Test
    void aConfiguredCredentialSealedUnderAnotherKeyIsSealedAgainAtStart() {
        byte[] otherKey = new byte[32];
        new java.security.SecureRandom().nextBytes(otherKey);
        jdbc.update(
                "UPDATE upstream_credential SET sealed = ? WHERE name = 'simulator-deepseek'",
                new io.tokenmeter.starter.secrets.SealedSecrets(
                                java.util.Base64.getEncoder().encodeToString(otherKey), "the old key")
                        .seal("simulator-deepseek", "first-key"));
        store.raiseRevision();
        router.refresh();
        assertThat(router.routes("deepseek-v3.2"))
                .as("out of service, not sent without it")
                .isEmpty();

        seed.apply(configuration);
        router.refresh();
        assertThat(router.routes("deepseek-v3.2").getFirst().apiKey()).isEqualTo("first-key");
    }
}
