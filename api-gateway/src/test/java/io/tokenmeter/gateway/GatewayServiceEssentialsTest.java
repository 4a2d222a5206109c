package io.tokenmeter.gateway;

import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.ServiceEssentialsContract;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "spring.profiles.active=local")
@RealInfrastructure
class GatewayServiceEssentialsTest extends ServiceEssentialsContract {
}
