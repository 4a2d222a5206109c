package io.tokenmeter.metering;

import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.ServiceEssentialsContract;
import org.springframework.boot.test.context.SpringBootTest;

/** Same context as {@link MeteringIntegrationTest}, so Spring reuses it. */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tokenmeter.metering.billing.settle=1s")
@RealInfrastructure
class MeteringServiceEssentialsTest extends ServiceEssentialsContract {}
