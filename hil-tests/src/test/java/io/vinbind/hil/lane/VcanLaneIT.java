package io.vinbind.hil.lane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The vcan lane: the SocketCAN tests of can-bus and the first-assembly bench scenario over vcan0, run
 * where a real vcan0 exists. On a kernel without CAN (this project's machines) {@code scripts/with-vcan}
 * boots User-Mode Linux on the host filesystem, and {@link VcanLaneMain} runs the classes inside it
 * with this module's test classpath. Where the host itself has vcan0, those classes already ran in
 * the ordinary build and this test says so and skips.
 */
class VcanLaneIT {

    /**
     * The tests that need vcan0; each one skips (with the reason) outside the lane. The bench scenario
     * runs whole inside the guest (embedded broker and H2 on the guest's loopback): the guest has no
     * route to the host's Mosquitto or PostgreSQL, and only the CAN side needs the guest's kernel.
     */
    static final List<String> LANE_CLASSES = List.of(
            "io.vinbind.can.socketcan.SocketCanChannelIT",
            "io.vinbind.hil.scenario.FirstAssemblyIT#binds_on_first_ignition_over_other_can_transports("
                    + "io.vinbind.hil.bench.CanTransport, io.vinbind.hil.scenario.Servers)");

    private static final Pattern SUMMARY = Pattern.compile(
            Pattern.quote(VcanLaneMain.SUMMARY) + " found=(\\d+) succeeded=(\\d+) failed=(\\d+) aborted=(\\d+) skipped=(\\d+)");
    private static final long GUEST_TIMEOUT_S = 900;

    @Test
    void socketcan_tests_and_first_assembly_scenario_pass_over_a_real_vcan0() throws Exception {
        assumeTrue(!Files.exists(Path.of("/sys/class/net/vcan0")),
                "skipped: this host has vcan0, so " + LANE_CLASSES + " ran directly in this build");
        Path withVcan = repoRoot().resolve("scripts/with-vcan");
        assumeTrue(Files.isExecutable(withVcan), "skipped: " + withVcan + " not found");
        assumeTrue(onPath("linux.uml"),
                "skipped: no vcan on this kernel and no User-Mode Linux (apt-get install user-mode-linux kmod)");

        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(withVcan.toString(), "--timeout", Long.toString(GUEST_TIMEOUT_S), "--",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-cp", classpath, VcanLaneMain.class.getName()));
        command.addAll(LANE_CLASSES);

        Process guest = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(guest.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                output.add(line);
                System.out.println("[vcan lane] " + line);
            }
        }
        assertTrue(guest.waitFor(GUEST_TIMEOUT_S + 30, TimeUnit.SECONDS), "the guest did not end");

        Map<String, Integer> counts = summary(output);
        System.out.println("[vcan lane] counts " + counts);
        assertEquals(0, guest.exitValue(), "lane exit status; output above");
        assertTrue(counts.get("found") >= 9, "expected the lane's tests to be found: " + counts);
        assertEquals(counts.get("found"), counts.get("succeeded"), "every lane test must pass: " + counts);
        assertEquals(0, counts.get("skipped") + counts.get("aborted"), "no lane test may skip inside the guest: " + counts);
    }

    private static Map<String, Integer> summary(List<String> output) {
        for (String line : output) {
            Matcher m = SUMMARY.matcher(line);
            if (m.find()) {
                Map<String, Integer> counts = new TreeMap<>();
                String[] names = {"found", "succeeded", "failed", "aborted", "skipped"};
                for (int i = 0; i < names.length; i++) {
                    counts.put(names[i], Integer.parseInt(m.group(i + 1)));
                }
                return counts;
            }
        }
        throw new AssertionError("the lane printed no summary line; output:\n" + String.join("\n", output));
    }

    private static Path repoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/with-vcan"))) {
            dir = dir.getParent();
        }
        return dir == null ? Path.of("").toAbsolutePath() : dir;
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
