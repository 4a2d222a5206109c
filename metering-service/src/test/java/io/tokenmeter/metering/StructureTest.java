package io.tokenmeter.metering;

import io.tokenmeter.testsupport.ServiceStructure;
import org.junit.jupiter.api.Test;

/** The house rules of CONTRIBUTING.md, checked on this service's classes; a break names the class and the rule. */
class StructureTest {

    private final ServiceStructure structure = ServiceStructure.of("metering");

    @Test
    void featurePackagesDependOnEachOtherWithoutCycles() {
        structure.featuresHaveNoCycles();
    }

    @Test
    void controllersAreCalledByNobodyAndRunNoSqlOfTheirOwn() {
        structure.controllersAreEntryPointsWithoutSql();
    }

    @Test
    void noCodeOfAnotherServiceIsUsed() {
        structure.sharesOnlyContractsAndTheStarter();
    }
}
