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

    public static final String TEST_SECRET = "test-internal-secret-0123456789";

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        var env = context.getEnvironment();
        String database = env.getProperty("tokenmeter.test.database",
                env.getProperty("spring.application.name", "tokenmeter").replace('-', '_'));
        PostgresServer postgres = SharedInfrastructure.postgres();
        Map<String, Object> properties = new HashMap<>(Map.of(
                "spring.datasource.url", postgres.ensureDatabase(database),
                "spring.datasource.username", postgres.user(),
                "spring.datasource.password", postgres.password(),
                "tokenmeter.internal.secret", TEST_SECRET));
        // a test that stops and starts its own broker sets tokenmeter.test.own-kafka and spring.kafka.bootstrap-servers itself
        if (!env.getProperty("tokenmeter.test.own-kafka", Boolean.class, false)) {
            properties.put("spring.kafka.bootstrap-servers", SharedInfrastructure.kafkaBootstrapServers());
        }
        env.getPropertySources().addFirst(new MapPropertySource("tokenmeter-real-infrastructure", properties));
    }
}
