package io.tokenmeter.gateway;

import io.tokenmeter.gateway.keys.ApiKeys;
import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.ServiceEssentialsContract;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.profiles.active=local",
            // its own database, so the demo's upstream URLs are not written over the simulators the other tests
            // route to
            "tokenmeter.test.database=gateway_essentials"
        })
@RealInfrastructure
class GatewayServiceEssentialsTest extends ServiceEssentialsContract {

    static final String ADMIN_KEY = ApiKeys.newClearKey();

    @DynamicPropertySource
    static void adminKey(DynamicPropertyRegistry registry) {
        registry.add("tokenmeter.gateway.keys.bootstrap-admin-key-sha256", () -> ApiKeys.sha256(ADMIN_KEY));
        registry.add(TestCatalogKey.PROPERTY, () -> TestCatalogKey.VALUE); // the demo catalog's keys are sealed
    }

    @Override
    protected String metricsAuthorization() {
        return "Bearer " + ADMIN_KEY;
    }

    /** The gateway's port is public: its metrics were readable by anyone who could reach it. */
    @Test
    void theActuatorButHealthTakesAnAdminKeyOnThePublicPort() throws Exception {
        assertThat(get("/actuator/prometheus", null).statusCode()).isEqualTo(401);
        assertThat(get("/actuator/metrics", null).statusCode()).isEqualTo(401);
        assertThat(get("/actuator/prometheus", "Bearer tm_not-a-key").statusCode())
                .isEqualTo(401);
        assertThat(get("/actuator/health/readiness", null).statusCode()).isEqualTo(200);
        assertThat(get("/actuator/prometheus", metricsAuthorization()).statusCode())
                .isEqualTo(200);
    }
}
