package io.vinbind.server.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code --operator-platform}: every part parsed, every wrong one named. */
@Timeout(10)
class PlatformOptionTest {

    @TempDir
    Path dir;

    private Path token(String perms) throws Exception {
        Path f = dir.resolve("token-" + perms);
        Files.writeString(f, "es2-token\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    @Test
    void every_part_is_read() throws Exception {
        Path t = token("rw-------");
        Path ca = dir.resolve("ca.pem");
        Files.writeString(ca, "-----BEGIN CERTIFICATE-----\n");
        OperatorPlatform.Spec s = PlatformOption.parse("op1=https://smdp.example:8443,token-file=" + t + ",ca-file=" + ca
            + ",smdp-address=smdp.example,confirmation-code");
        assertEquals("op1", s.id());
        assertEquals("smdp.example", s.base().getHost());
        assertEquals("es2-token", s.token(), "the token file's content, stripped");
        assertEquals(Optional.of(ca), s.trust());
        assertEquals(Optional.of("smdp.example"), s.es9Address());
        assertTrue(s.confirmationCodes());
        OperatorPlatform.Spec plain = PlatformOption.parse("op2=https://smdp.example,token-file=" + t);
        assertFalse(plain.confirmationCodes(), "no confirmation codes unless asked for");
        assertTrue(PlatformOption.parse("op3=https://smdp.example,token-file=" + t + ",confirmation-code=yes")
            .confirmationCodes());
        assertFalse(PlatformOption.parse("op4=https://smdp.example,token-file=" + t + ",confirmation-code=no")
            .confirmationCodes());
    }

    @Test
    void a_wrong_part_is_named() throws Exception {
        Path t = token("rw-------");
        assertMessage("confirmation-code takes no value, or yes or no",
            "op=https://smdp.example,token-file=" + t + ",confirmation-code=maybe");
        assertMessage("unknown part 'colour'", "op=https://smdp.example,token-file=" + t + ",colour=red");
        assertMessage("token-file is required", "op=https://smdp.example");
        assertMessage("has no ID=URL", "https://smdp.example");
        assertMessage("is not https://", "op=http://smdp.example,token-file=" + t);
        assertMessage("is not an FQDN", "op=https://smdp.example,token-file=" + t + ",smdp-address=bad_name!");
        assertMessage("readable by group or others", "op=https://smdp.example,token-file=" + token("rw-r-----"));
        assertMessage("cannot be read", "op=https://smdp.example,token-file=" + dir.resolve("missing"));
        assertMessage("is empty", " ");
    }

    private static void assertMessage(String part, String option) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PlatformOption.parse(option),
            option);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
