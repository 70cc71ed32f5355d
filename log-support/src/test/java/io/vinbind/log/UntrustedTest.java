package io.vinbind.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 5, unit = TimeUnit.SECONDS)
class UntrustedTest {

    @Test
    void keeps_printable_ascii_and_escapes_everything_else() {
        assertEquals("t7E8#03", Untrusted.escape("t7E8#03"));
        assertEquals("\\x07\\x1B[31m\\r\\nWARN forged", Untrusted.escape("\u0007\u001b[31m\r\nWARN forged"));
        assertEquals("\\uFEFFcan.channel", Untrusted.escape("\uFEFFcan.channel"), "a BOM becomes visible");
        assertEquals("a\\\\b\\t\\xFC", Untrusted.escape("a\\b\t\u00fc"));
        assertEquals("null", Untrusted.escape(null));
    }

    @Test
    void cuts_long_text_and_says_how_long_it_was() {
        assertEquals("abc...(10 chars)", Untrusted.escape("abcdefghij", 3));
        assertEquals("x".repeat(80) + "...(100 chars)", Untrusted.escape("x".repeat(100)));
    }
}
