package io.tokenmeter.testsupport;

import io.tokenmeter.localstack.PostgresServer;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

import java.util.HashMap;
import java.util.Map;

/**
 * Points a Spring context at the shared broker and at its own database on the shared server. The database is
 * named by {@code tokenmeter.test.database}, else after {@code spring.application.name}.
 */
public class RealInfrastructureInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    /**
     * Key pairs made for this test JVM: the gateway's and billing's, as the local stack makes them per installation.
     */
    static final String[] GATEWAY_KEYS = io.tokenmeter.contracts.identity.CallerHeaders.newKeyPair();

    static final String[] BILLING_KEYS = io.tokenmeter.contracts.identity.CallerHeaders.newKeyPair();

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        var env = context.getEnvironment();
        String database = env.getProperty(
                "tokenmeter.test.database",
                env.getProperty("spring.application.name", "tokenmeter").replace('-', '_'));
        // as in the local stack: the service connects as an application role that owns nothing, and its migrations run
        // as the owner role, so a test sees the same privileges production has
        PostgresServer.ServiceDatabase db = SharedInfrastructure.serviceDatabase(database);
        Map<String, Object> properties = new HashMap<>(Map.of(
                "spring.datasource.url", db.url(),
                "spring.datasource.username", db.appUser(),
                "spring.datasource.password", db.appPassword(),
                "spring.flyway.user", db.ownerUser(),
                "spring.flyway.password", db.ownerPassword(),
                // each process signs with its own key; every service trusts the gateway's and billing's public keys
                "tokenmeter.internal.private-key",
                        "billing".equals(env.getProperty("tokenmeter.internal.name"))
                                ? BILLING_KEYS[0]
                                : GATEWAY_KEYS[0],
                "tokenmeter.internal.callers.gateway.public-key", GATEWAY_KEYS[1],
                "tokenmeter.internal.callers.billing.public-key", BILLING_KEYS[1]));
        // a test that stops and starts its own broker sets tokenmeter.test.own-kafka and spring.kafka.bootstrap-servers
        // itself
        if (!env.getProperty("tokenmeter.test.own-kafka", Boolean.class, false)) {
            properties.put("spring.kafka.bootstrap-servers", SharedInfrastructure.kafkaBootstrapServers());
        }
        env.getPropertySources().addFirst(new MapPropertySource("tokenmeter-real-infrastructure", properties));
    }
}
