package io.tokenmeter.billing;

import io.tokenmeter.testsupport.RealInfrastructure;
import io.tokenmeter.testsupport.ServiceEssentialsContract;
import org.springframework.boot.test.context.SpringBootTest;

/** Same context as {@link BillingSetupTest}, so Spring reuses it. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@RealInfrastructure
class BillingServiceEssentialsTest extends ServiceEssentialsContract {}
