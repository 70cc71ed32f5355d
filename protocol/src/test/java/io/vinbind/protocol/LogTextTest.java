package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class LogTextTest {

    @Test
    void keeps_printable_ascii_as_it_is() {
        String plain = "vinbind/v1/460011234567890/bind {\"a\":1}";
        assertSame(plain, LogText.escape(plain), "nothing to escape: no copy");
    }

    @Test
    void escapes_controls_non_ascii_and_the_backslash_unambiguously() {
        assertEquals("a\\u001b[2Jb", LogText.escape("a\u001b[2Jb"));            // ESC: terminal control
        assertEquals("line\\u000d\\u000aforged", LogText.escape("line\r\nforged")); // CR LF: a forged log line
        assertEquals("\\u007f\\u0085\\u202e", LogText.escape("\u007f\u0085\u202e")); // DEL, NEL, RLO override
        assertEquals("\\\\u001b", LogText.escape("\\u001b"), "a literal backslash cannot pose as an escape");
        assertEquals("caf\\u00e9", LogText.escape("café"));
    }

    @Test
    void bounds_long_input_and_says_how_long_it_was() {
        assertEquals("abc...(10 chars)", LogText.escape("abcdefghij", 3));
        assertEquals("null", LogText.escape(null));
    }
}
