package io.tokenmeter.gateway;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.tokenmeter.testsupport.ServiceStructureContract;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

class StructureTest extends ServiceStructureContract {

    StructureTest() {
        super("gateway");
    }

    /**
     * The enforcing side reaches the budgets' owner only through {@code BudgetBook} and the wire records, so the owner
     * can move to billing-service (docs/design/budget-leases.md) without the enforcement changing.
     */
    @Test
    void budgetEnforcementKnowsTheBudgetOwnerOnlyThroughItsBook() {
        noClasses()
                .that()
                .resideInAPackage("io.tokenmeter.gateway.budgets..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.tokenmeter.gateway.budgetledger..")
                .check(new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("io.tokenmeter.gateway"));
    }
}
