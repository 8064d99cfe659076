package dev.ingestion;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

import dev.ingestion.store.DatabaseClock;
import dev.ingestion.store.Dialect;

/**
 * The house plan's lines, held by the build: each rule names the line it keeps and why, so a
 * change that crosses one fails with a sentence, not a review comment.
 */
class ArchitectureTest {

    private static final String[] WEB_TYPES = {
        "org.springframework.web..",
        "org.springframework.http..",
        "jakarta.servlet..",
        "org.apache.catalina..",
        "org.apache.tomcat..",
        "org.apache.coyote.."
    };

    static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.ingestion");
    }

    @Test
    void onlyTheStoreRunsSql() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.ingestion.store..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.springframework.jdbc.core..",
                        "org.springframework.jdbc.datasource..",
                        "org.springframework.transaction.support..")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("java.sql.Connection")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("java.sql.Statement")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("java.sql.PreparedStatement")
                .orShould()
                .dependOnClassesThat()
                .haveFullyQualifiedName("java.sql.ResultSet")
                .because("every SQL statement lives in the store, so one schema and one set of queries serve both "
                        + "backends and the contract tests see them all")
                .check(main);
    }

    @Test
    void theEngineAndTheStoreKnowNothingOfHttp() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "dev.ingestion.queue..",
                        "dev.ingestion.dispatch..",
                        "dev.ingestion.upstream..",
                        "dev.ingestion.store..")
                .or()
                .haveFullyQualifiedName("dev.ingestion.ingest.Ingestions")
                .or()
                .haveFullyQualifiedName("dev.ingestion.ingest.GroupCommit")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(WEB_TYPES)
                .because("the engine is plain Java that tests drive on a fake clock; only controllers speak HTTP")
                .check(main);
    }

    @Test
    void timeComesFromAnInjectedClock() {
        noClasses()
                .should()
                .callMethod(Instant.class, "now")
                .orShould()
                .callMethod(LocalDateTime.class, "now")
                .orShould()
                .callMethod(OffsetDateTime.class, "now")
                .orShould()
                .callMethod(ZonedDateTime.class, "now")
                .orShould()
                .callMethod(System.class, "currentTimeMillis")
                .because("a test moves time by moving the injected clock; a hidden read of the system's clock "
                        + "would make it lie")
                .check(main);
    }

    @Test
    void onlyTheCompositionRootPicksTheClocks() {
        noClasses()
                .that()
                .doNotHaveFullyQualifiedName(IngestionApplication.class.getName())
                .should()
                .callMethod(Clock.class, "systemUTC")
                .orShould()
                .callMethod(Clock.class, "systemDefaultZone")
                .orShould()
                .callConstructor(DatabaseClock.class, DataSource.class, Dialect.class)
                .because("which clock decides is a policy of the wiring, in one place; the database's clock costs a "
                        + "query, so it is read only where it decides (claims and leases)")
                .check(main);
    }

    @Test
    void packagesDependOnEachOtherWithoutCycles() {
        slices().matching("dev.ingestion.(*)..")
                .should()
                .beFreeOfCycles()
                .because("data flows one way: ingest stores, dispatch claims and writes back, status reads")
                .check(main);
    }

    @Test
    void theStoreDependsOnTheQueuesVocabularyAndNothingElseOfOurs() {
        classes()
                .that()
                .resideInAPackage("dev.ingestion.store..")
                .should()
                .onlyDependOnClassesThat(resideOutsideOfPackage("dev.ingestion..")
                        .or(resideInAnyPackage("dev.ingestion.store..", "dev.ingestion.queue..")))
                .because("the store is the bottom of the house: it knows the queue's words, not who uses it")
                .check(main);
    }

    @Test
    void theQueuesVocabularyDependsOnNothingButTheJdk() {
        classes()
                .that()
                .resideInAPackage("dev.ingestion.queue..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "dev.ingestion.queue..")
                .because("every other package speaks it, so it can lean on none of them")
                .check(main);
    }

    @Test
    void controllersReadTheQueuesVocabularyNotEachOther() {
        noClasses()
                .that()
                .resideInAPackage("dev.ingestion.status..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.ingestion.ingest..")
                .because("priority and batch state belong to the queue; status needs nothing of the ingest path")
                .check(main);
    }
}
