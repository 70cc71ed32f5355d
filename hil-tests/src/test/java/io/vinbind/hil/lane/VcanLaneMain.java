package io.vinbind.hil.lane;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the named test classes (or single test methods, {@code class#method(types)}) with the JUnit Platform inside the vcan lane's guest (see
 * {@code scripts/with-vcan}) and prints one line per test and a machine-readable summary line that
 * {@link VcanLaneIT} checks. A skipped test counts against the lane: inside the guest vcan0 exists, so a
 * test that skips there has lost its reason to.
 *
 * <p>Exit status 0 only if at least one test ran and none failed, aborted or skipped.
 */
public final class VcanLaneMain {

    /** Prefix of the summary line; {@link VcanLaneIT} parses it. */
    static final String SUMMARY = "vcan-lane summary:";

    private VcanLaneMain() {
    }

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: VcanLaneMain <test class | class#method(parameter types)>...");
            System.exit(2);
        }
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String name : args) {
            request.selectors(name.contains("#") ? selectMethod(name) : selectClass(name));
        }
        LauncherDiscoveryRequest discovery = request.build();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        AtomicLong skipped = new AtomicLong();
        List<String> problems = new ArrayList<>();
        TestExecutionListener lines = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier test, String reason) {
                if (test.isTest()) {
                    skipped.incrementAndGet();
                }
                System.out.printf("  SKIPPED %s: %s%n", test.getDisplayName(), reason);
                problems.add(test.getDisplayName() + " skipped: " + reason);
            }

            @Override
            public void executionFinished(TestIdentifier test, TestExecutionResult result) {
                if (!test.isTest()) {
                    return;
                }
                String cause = result.getThrowable().map(Throwable::toString).orElse("");
                System.out.printf("  %-7s %s %s%n", result.getStatus(), test.getDisplayName(), cause);
                if (result.getStatus() != TestExecutionResult.Status.SUCCESSFUL) {
                    problems.add(test.getDisplayName() + ": " + result.getStatus() + " " + cause);
                }
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(discovery, summary, lines);
        TestExecutionSummary s = summary.getSummary();
        if (s.getTotalFailureCount() > 0) {
            s.printFailuresTo(new PrintWriter(System.out, true), 20);
        }
        long skippedTotal = s.getTestsSkippedCount() + skipped.get();
        System.out.printf("%s found=%d succeeded=%d failed=%d aborted=%d skipped=%d%n", SUMMARY,
                s.getTestsFoundCount(), s.getTestsSucceededCount(), s.getTestsFailedCount(),
                s.getTestsAbortedCount(), skippedTotal);
        boolean ok = s.getTestsSucceededCount() > 0 && problems.isEmpty();
        System.exit(ok ? 0 : 1);
    }
}
