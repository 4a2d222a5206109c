package io.tokenmeter.gateway;

import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.simulator.UpstreamSimulator;
import org.springframework.test.context.DynamicPropertyRegistry;

/** Points the routes of {@code application-routingtest.yml} at a simulator, and bootstraps an admin key. */
final class SimulatedUpstreams {

    static final String CREDENTIAL = "sim-secret";

    private SimulatedUpstreams() {}

    static UpstreamSimulator start(DynamicPropertyRegistry registry, String adminKey) throws Exception {
        UpstreamSimulator simulator = UpstreamSimulator.start(0, CREDENTIAL);
        registry.add("UPSTREAM_SIMULATOR_URL", simulator::baseUrl);
        registry.add("UPSTREAM_SIMULATOR_DEEPSEEK_URL", () -> "http://127.0.0.1:" + simulator.port() + "/deepseek/v1");
        registry.add("UPSTREAM_SIMULATOR_ANTHROPIC_URL", simulator::anthropicBaseUrl);
        registry.add("UPSTREAM_SIMULATOR_API_KEY", () -> CREDENTIAL);
        registry.add(TestCatalogKey.PROPERTY, () -> TestCatalogKey.VALUE);
        registry.add("tokenmeter.gateway.keys.bootstrap-admin-key-sha256", () -> ApiKeys.sha256(adminKey));
        return simulator;
    }
}
