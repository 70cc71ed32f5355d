package io.vinbind.terminal.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.Identifiers;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The build writes its version where the daemon's logins find it. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SoftwareVersionTest {

    @Test
    void the_build_filled_in_its_version_and_the_login_may_carry_it() {
        String v = SoftwareVersion.current().orElseThrow(() -> new AssertionError("version.properties not filtered"));
        assertTrue(Identifiers.isModelText(v), v);
        assertFalse(v.contains("project.version"), v);
        assertTrue(v.matches("[0-9]+\\.[0-9]+.*"), "a Maven version: " + v);
    }
}
