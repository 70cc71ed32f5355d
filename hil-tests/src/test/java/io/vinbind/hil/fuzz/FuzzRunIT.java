package io.vinbind.hil.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code ./vinbind bench fuzz}'s runner on a real target for a few seconds: the wiring, not the fuzzing. */
class FuzzRunIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void fuzzes_a_target_in_its_own_jvm_and_reports_its_figures() throws Exception {
        FuzzTarget t = FuzzTarget.named("slcan-frames").orElseThrow();
        Path cp = t.moduleDir(ROOT).resolve("target/test-classpath.txt");
        Assumptions.assumeTrue(Files.isRegularFile(cp) && Files.isRegularFile(t.compiledClass(ROOT)),
            "skipped: can-bus's tests are not built (run in the reactor: mvn -B -pl can-bus,hil-tests verify)");
        Path logs = Files.createTempDirectory("fuzz-it");
        FuzzRun.Settings defaults = FuzzRun.Settings.defaults(ROOT, 3);
        FuzzRun.Settings s = new FuzzRun.Settings(ROOT, 3, defaults.javaBinary(), defaults.jvmOptions(), logs);
        List<String> progress = new ArrayList<>();
        FuzzRun.Result r = FuzzRun.run(t, s, progress::add);
        assertEquals(0, r.exitCode(), () -> "exit " + r.exitCode() + ", log " + r.log());
        assertTrue(r.clean(), () -> "not a clean run: " + r);
        assertTrue(r.report().execs().getAsLong() > 0, "no input run");
        assertTrue(r.report().coverage().isPresent(), "no coverage figure");
        assertTrue(progress.get(0).contains("slcan-frames"), progress.toString());
    }
}
