package io.tokenmeter.metering;

import io.tokenmeter.testsupport.ServiceStructureContract;

class StructureTest extends ServiceStructureContract {

    StructureTest() {
        super("metering");
    }
}
