package io.tokenmeter.billing;

import io.tokenmeter.testsupport.ServiceEssentialsContract;
import org.springframework.boot.test.context.SpringBootTest;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "tokenmeter.internal.secret=test-internal-secret-0123456789")
class BillingServiceEssentialsTest extends ServiceEssentialsContract {
}
