package io.tokenmeter.console;

import io.tokenmeter.testsupport.ServiceStructureContract;

class StructureTest extends ServiceStructureContract {

    StructureTest() {
        super("console");
    }
}
