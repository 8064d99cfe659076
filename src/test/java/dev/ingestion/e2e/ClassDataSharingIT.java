package dev.ingestion.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's first start after a build records the class-data sharing archive, and a
 * recording that fails is not tried again for that jar: so the recording must not depend on what
 * the caller set for the service.
 */
class ClassDataSharingIT {

    @RegisterExtension
    final ServiceProcess.Children children = new ServiceProcess.Children();

    @TempDir
    Path folder;

    @Test
    void aFirstStartRefusedForABadSettingStillRecordsTheArchiveThatTheNextStartUses() throws Exception {
        // A jar of its own, so that its cds/ folder starts empty.
        Path jar = folder.resolve("build").resolve("ingestion-service.jar");
        Files.createDirectories(jar.getParent());
        Files.copy(Path.of(System.getProperty("service.jar")), jar);
        Path cds = jar.resolveSibling("cds");

        ServiceProcess refused = children.launch(
                "refused",
                folder,
                ServiceProcess.Children.env(
                        folder, "INGEST_JAR", jar.toString(), "INGEST_WEBHOOK_SECRET", "not-a-secret"));
        Integer exit = refused.awaitExit(ServiceProcess.START_DEADLINE);

        assertThat(exit).as(refused.output()).isNotNull().isNotZero();
        assertThat(refused.output())
                .contains("class-data sharing: archive recorded")
                .contains("INGEST_WEBHOOK_SECRET must start with whsec_");
        assertThat(cds.resolve("current")).isSymbolicLink();
        assertThat(cds.resolve("failed")).doesNotExist();

        ServiceProcess next =
                children.start("next", folder, ServiceProcess.Children.env(folder, "INGEST_JAR", jar.toString()));

        // No second recording, and the JVM runs the recorded copy of the jar beside its archive.
        assertThat(next.output()).doesNotContain("class-data sharing").contains(cds.toRealPath() + "/app.");
    }
}
