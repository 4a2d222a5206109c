package io.tokenmeter.testsupport;

import org.junit.jupiter.api.Test;

/**
 * The house rules of CONTRIBUTING.md, checked on a service's compiled classes ({@link ServiceStructure}); extend it
 * with the service's package name. A break names the class and the rule.
 */
public abstract class ServiceStructureContract {

    private final ServiceStructure structure;

    protected ServiceStructureContract(String service) {
        this.structure = ServiceStructure.of(service);
    }

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
