package io.vinbind.hil.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FuzzRunTest {

    /** The repository root: tests run in the module's directory. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void reads_runs_rate_coverage_and_corpus_from_libfuzzers_closing_lines() {
        FuzzRun.Report r = FuzzRun.Report.parse(List.of(
            "INFO: seed corpus: files: 22 min: 2b max: 1220b total: 3960b rss: 372Mb",
            "#23\tINITED cov: 301 ft: 402 corp: 20/3782b exec/s: 0 rss: 380Mb",
            "#44035\tNEW    cov: 374 ft: 687 corp: 98/17Kb lim: 1220 exec/s: 2201 rss: 1635Mb L: 234/1058 MS: 2 Custom-",
            "#45472\tDONE   cov: 374 ft: 687 corp: 98/17Kb lim: 1220 exec/s: 2165 rss: 1635Mb",
            "Done 45472 runs in 21 second(s)"));
        assertEquals(OptionalLong.of(45472), r.execs());
        assertEquals(21, r.fuzzSeconds());
        assertEquals(OptionalLong.of(45472 / 21), r.execsPerSecond());
        assertEquals(OptionalLong.of(22), r.seeds());
        assertEquals(OptionalLong.of(374), r.coverage());
        assertEquals(OptionalLong.of(687), r.features());
        assertEquals(OptionalLong.of(98), r.corpus());
        assertEquals(Optional.empty(), r.finding());
    }

    @Test
    void reads_the_finding_and_where_its_input_was_written() {
        FuzzRun.Report r = FuzzRun.Report.parse(List.of(
            "== Java Exception: org.opentest4j.AssertionFailedError: receive waited 0.900 s beyond its bounds",
            "\tat io.vinbind.can.isotp.IsoTpReceiveFuzzTest.receiveAll(IsoTpReceiveFuzzTest.java:134)",
            "== libFuzzer crashing input ==",
            "artifact_prefix='/r/Inputs/m/'; Test unit written to /r/Inputs/m/crash-7bf693aa",
            "Done 30 runs in 0 second(s)"));
        assertEquals(Optional.of("== Java Exception: org.opentest4j.AssertionFailedError: receive waited 0.900 s"
            + " beyond its bounds"), r.finding());
        assertEquals(Optional.of(Path.of("/r/Inputs/m/crash-7bf693aa")), r.reproducer());
        assertEquals(OptionalLong.of(30), r.execs());
        assertEquals(OptionalLong.empty(), r.execsPerSecond(), "no rate over 0 s");
    }

    @Test
    void a_run_that_never_started_fuzzing_has_no_figures() {
        FuzzRun.Report r = FuzzRun.Report.parse(List.of("Exception in thread \"main\" java.lang.NoClassDefFoundError: x"));
        assertTrue(r.execs().isEmpty());
        assertTrue(r.finding().isEmpty());
    }

    @Test
    void every_target_names_a_fuzz_test_method_and_a_committed_corpus() throws IOException {
        assertEquals(FuzzTarget.ALL.size(), FuzzTarget.ALL.stream().map(FuzzTarget::name).distinct().count());
        for (FuzzTarget t : FuzzTarget.ALL) {
            Path source = t.moduleDir(ROOT).resolve("src/test/java").resolve(t.testClass().replace('.', '/') + ".java");
            assertTrue(Files.isRegularFile(source), t.name() + ": no " + source);
            String text = Files.readString(source, StandardCharsets.UTF_8);
            assertTrue(text.matches("(?s).*@FuzzTest[^;{]*void " + t.method() + "\\(.*"),
                t.name() + ": " + t.method() + " is not a @FuzzTest of " + t.testClass());
            Path corpus = t.corpusDir(ROOT);
            assertTrue(Files.isDirectory(corpus), t.name() + ": no corpus " + corpus);
            try (Stream<Path> files = Files.list(corpus)) {
                assertTrue(files.count() >= 3, t.name() + ": fewer than 3 seeds in " + corpus);
            }
        }
    }

    @Test
    void the_child_runs_jazzers_driver_on_the_module_test_classpath_in_fuzzing_mode() throws IOException {
        Path root = Files.createTempDirectory("fuzz-root");
        FuzzTarget t = FuzzTarget.named("csv").orElseThrow();
        Path target = root.resolve("server-stub/target");
        Files.createDirectories(target);
        Files.writeString(target.resolve("test-classpath.txt"), "/m2/jazzer.jar:/m2/h2.jar\n");
        List<String> cmd = FuzzRun.command(t, FuzzRun.Settings.defaults(root, 5));
        String cp = cmd.get(cmd.indexOf("-cp") + 1);
        assertTrue(cp.startsWith(root.resolve("server-stub/target/test-classes") + ":"), cp);
        assertTrue(cp.endsWith(":/m2/jazzer.jar:/m2/h2.jar"), cp);
        assertEquals(List.of(FuzzRun.JAZZER_MAIN, "--target_class=" + t.testClass(), "--target_method=" + t.method(),
            "--hooks=true", "-max_total_time=5", "-print_final_stats=1"),
            cmd.subList(cmd.indexOf(FuzzRun.JAZZER_MAIN), cmd.size()));
        assertTrue(cmd.contains("-Dtinylog.writer.level=off"));
        assertFalse(FuzzRun.modulesToBuild(root, List.of(t)).isEmpty(), "no compiled test class: must build");
    }
}
