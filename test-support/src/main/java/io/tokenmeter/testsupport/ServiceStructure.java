package io.tokenmeter.testsupport;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The structure every service keeps, checked from its compiled classes (CONTRIBUTING.md says why):
 * <ul>
 *   <li>its feature packages ({@code io.tokenmeter.<service>.<feature>}) depend on each other without cycles;</li>
 *   <li>controllers are entry points, called by nobody, and run no SQL of their own;</li>
 *   <li>a service uses no code of another service: only {@code contracts} and the service starter are shared.</li>
 * </ul>
 */
public final class ServiceStructure {

    private static final List<String> SERVICES = List.of("gateway", "metering", "pricing", "billing", "console");

    private final String root;
    private final JavaClasses classes;

    private ServiceStructure(String root) {
        this.root = root;
        this.classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(root);
        if (classes.isEmpty()) {
            throw new IllegalStateException("no classes under " + root);
        }
    }

    /** The service whose classes live under {@code io.tokenmeter.<service>}. */
    public static ServiceStructure of(String service) {
        return new ServiceStructure("io.tokenmeter." + service);
    }

    public void featuresHaveNoCycles() {
        slices().matching(root + ".(*)..")
                .namingSlices("feature $1")
                .should()
                .beFreeOfCycles()
                .check(classes);
    }

    public void controllersAreEntryPointsWithoutSql() {
        noClasses()
                .that()
                .haveSimpleNameNotEndingWith("Controller")
                .and()
                .areNotAnnotatedWith(
                        "org.springframework.web.bind.annotation.RestControllerAdvice") // scoped to them by type
                .should()
                .dependOnClassesThat(controllersOf(root))
                .check(classes);
        noClasses()
                .that()
                .haveSimpleNameEndingWith("Controller")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("org.springframework.jdbc.core.simple.JdbcClient")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("org.springframework.jdbc.core.JdbcTemplate")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("jakarta.persistence.EntityManager")
                .check(classes);
    }

    public void sharesOnlyContractsAndTheStarter() {
        String[] others = SERVICES.stream()
                .map(s -> "io.tokenmeter." + s + "..")
                .filter(p -> !p.equals(root + ".."))
                .toArray(String[]::new);
        noClasses().should().dependOnClassesThat().resideInAnyPackage(others).check(classes);
    }

    private static DescribedPredicate<JavaClass> controllersOf(String root) {
        return DescribedPredicate.describe(
                "controllers of " + root,
                c -> c.getPackageName().startsWith(root) && c.getSimpleName().endsWith("Controller"));
    }
}
