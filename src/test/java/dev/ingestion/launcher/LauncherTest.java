package dev.ingestion.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * bin/ingestion-service holds the service's JVM options; pom.xml repeats them for
 * {@code ./mvnw spring-boot:run}, and the Dockerfile with the heap sized to the container. These
 * checks keep the three copies equal and the script sound,
 * without starting anything (the end-to-end tests start the service through the launcher).
 */
class LauncherTest {

    /** Relative to the project root, the working directory of tests under Maven. */
    private static final Path LAUNCHER = Path.of("bin", "ingestion-service");

    private static final Path POM = Path.of("pom.xml");

    private static final Path DOCKERFILE = Path.of("Dockerfile");

    @Test
    void theLauncherAndSpringBootRunStartTheJvmWithTheSameOptions() throws Exception {
        List<String> launcher = launcherJvmOptions();

        assertThat(launcher).as("JVM_OPTS of %s", LAUNCHER).isNotEmpty().contains("-XX:+UseParallelGC");
        assertThat(pomJvmArguments())
                .as("<jvmArguments> of spring-boot-maven-plugin in pom.xml, against JVM_OPTS of %s", LAUNCHER)
                .containsExactlyInAnyOrderElementsOf(launcher);
    }

    @Test
    void theImageStartsTheJvmWithTheLaunchersOptionsButAHeapSizedToTheContainersMemory() throws Exception {
        List<String> expected = new ArrayList<>(launcherJvmOptions());
        assertThat(expected.removeIf(option -> option.startsWith("-Xmx")))
                .as("JVM_OPTS of %s fix the heap with -Xmx", LAUNCHER)
                .isTrue();
        expected.add("-XX:MaxRAMPercentage=75.0");

        assertThat(imageJvmOptions())
                .as("INGEST_JVM_OPTS of %s, against JVM_OPTS of %s", DOCKERFILE, LAUNCHER)
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void theImageRecordsItsArchiveAndStartsWithSpringAotsBeanDefinitionsAsTheLauncherDoes() throws Exception {
        List<String> lines = Files.readAllLines(DOCKERFILE, StandardCharsets.UTF_8);

        for (String run : List.of("-XX:ArchiveClassesAtExit", "-XX:SharedArchiveFile")) {
            assertThat(lines)
                    .as("the line of %s running java with %s", DOCKERFILE, run)
                    .filteredOn(line -> line.contains(run) && !line.startsWith("#"))
                    .singleElement()
                    .asString()
                    .contains("-Dspring.aot.enabled=true");
        }
    }

    @Test
    void anIngestAotOtherThanOnOrOffStopsTheLauncherBeforeAnythingRuns() throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bash", LAUNCHER.toString()).redirectErrorStream(true);
        builder.environment().put("INGEST_AOT", "yes");
        builder.environment().put("INGEST_JAR", "/nonexistent/ingestion-service.jar");

        Result result = run(builder);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output()).contains("INGEST_AOT must be on or off, got 'yes'");
    }

    @Test
    void theLauncherIsAnExecutableScriptThatBashAccepts() throws Exception {
        assertThat(Files.isExecutable(LAUNCHER))
                .as("%s is executable", LAUNCHER)
                .isTrue();

        Result syntax = bash("-n", LAUNCHER.toString());

        assertThat(syntax.exitCode())
                .as("bash -n %s: %s", LAUNCHER, syntax.output())
                .isZero();
    }

    /**
     * The JVM_OPTS array as bash itself reads it (comments, quoting and line continuations
     * included): its definition is cut out of the script and evaluated, nothing else runs.
     */
    private static List<String> launcherJvmOptions() throws Exception {
        String script = Files.readString(LAUNCHER, StandardCharsets.UTF_8);
        int start = script.indexOf("\nJVM_OPTS=(");
        int end = script.indexOf("\n)", start);
        assertThat(start).as("a line starting JVM_OPTS=( in %s", LAUNCHER).isNotNegative();
        assertThat(end).as("the line ) closing JVM_OPTS in %s", LAUNCHER).isPositive();
        String definition = script.substring(start + 1, end + 2);

        Result printed = bash("-c", definition + "\nprintf '%s\\n' \"${JVM_OPTS[@]}\"");

        assertThat(printed.exitCode())
                .as("bash evaluating %s: %s", definition, printed.output())
                .isZero();
        return printed.output().lines().toList();
    }

    /** The value of {@code ENV INGEST_JVM_OPTS="..."} in the Dockerfile, split as sh splits it. */
    private static List<String> imageJvmOptions() throws IOException {
        Matcher env = Pattern.compile("INGEST_JVM_OPTS=\"([^\"]*)\"")
                .matcher(Files.readString(DOCKERFILE, StandardCharsets.UTF_8));
        assertThat(env.find()).as("INGEST_JVM_OPTS=\"...\" in %s", DOCKERFILE).isTrue();
        return Arrays.asList(env.group(1).strip().split("\\s+"));
    }

    private static List<String> pomJvmArguments() throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Element project = factory.newDocumentBuilder().parse(POM.toFile()).getDocumentElement();
        NodeList plugins = project.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (text(plugin, "artifactId").equals("spring-boot-maven-plugin")) {
                return Arrays.asList(text(plugin, "jvmArguments").strip().split("\\s+"));
            }
        }
        throw new AssertionError("no spring-boot-maven-plugin in " + POM);
    }

    private static String text(Element parent, String tag) {
        NodeList found = parent.getElementsByTagName(tag);
        return found.getLength() == 0 ? "" : found.item(0).getTextContent();
    }

    private record Result(int exitCode, String output) {}

    private static Result bash(String... arguments) throws IOException, InterruptedException {
        String[] command = new String[arguments.length + 1];
        command[0] = "bash";
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        return run(new ProcessBuilder(command).redirectErrorStream(true));
    }

    private static Result run(ProcessBuilder builder) throws IOException, InterruptedException {
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS))
                .as("%s ended", builder.command())
                .isTrue();
        return new Result(process.exitValue(), output);
    }
}
