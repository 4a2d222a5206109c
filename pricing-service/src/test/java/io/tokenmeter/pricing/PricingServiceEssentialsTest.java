package io.tokenmeter.pricing;

import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.ServiceEssentialsContract;
import org.springframework.boot.test.context.SpringBootTest;

/** Same context as {@link PricingApiTest}, so Spring reuses it. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class PricingServiceEssentialsTest extends ServiceEssentialsContract {}
