package io.tokenmeter.pricing;

import io.tokenmeter.testsupport.ServiceStructureContract;

class StructureTest extends ServiceStructureContract {

    StructureTest() {
        super("pricing");
    }
}
