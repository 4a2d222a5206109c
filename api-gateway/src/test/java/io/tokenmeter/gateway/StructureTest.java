package io.tokenmeter.gateway;

import io.tokenmeter.testsupport.ServiceStructureContract;

class StructureTest extends ServiceStructureContract {

    StructureTest() {
        super("gateway");
    }
}
