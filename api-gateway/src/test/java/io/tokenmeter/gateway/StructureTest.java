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
     * Billing owns budgets and their ledger; the gateway enforces them from leases in memory, asking billing through
     * {@code BudgetBook}. Its budgets package touches no database: a database round trip per call cannot creep back.
     */
    @Test
    void budgetEnforcementKeepsNoLedgerOfItsOwn() {
        noClasses()
                .that()
                .resideInAPackage("io.tokenmeter.gateway.budgets..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("org.springframework.jdbc..", "org.springframework.data..", "jakarta.persistence..")
                .check(new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("io.tokenmeter.gateway"));
    }
}
