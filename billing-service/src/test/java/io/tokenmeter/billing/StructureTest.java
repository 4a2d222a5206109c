package io.tokenmeter.billing;

import io.tokenmeter.testsupport.ServiceStructureContract;

class StructureTest extends ServiceStructureContract {

    StructureTest() {
        super("billing");
    }
}
