package io.vinbind.modem.at;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineAssemblerTest {

    private final List<String> lines = new ArrayList<>();
    private final List<String> dropped = new ArrayList<>();
    private final LineAssembler assembler = new LineAssembler(64, new LineAssembler.Sink() {
        @Override
        public void line(String line) {
            lines.add(line);
        }

        @Override
        public void dropped(String reason) {
            dropped.add(reason);
        }
    });

    private void feed(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        assembler.feed(b, 0, b.length);
    }

    @Test
    void crlf_cr_and_lf_all_end_lines_and_empty_lines_vanish() {
        feed("AT+CSQ\r");          // echo: CR only
        feed("\r\n+CSQ: 9,99\r\n"); // verbose answer: CR LF around the line
        feed("\nOK\n");             // LF only (some USB CDC firmwares)
        assertEquals(List.of("AT+CSQ", "+CSQ: 9,99", "OK"), lines);
        assertEquals(List.of(), dropped);
    }

    @Test
    void a_line_may_come_in_pieces_and_many_lines_in_one_piece() {
        feed("\r\n+CP");
        feed("IN: RE");
        feed("ADY\r\n\r\nOK\r\n\r\nRDY\r\n");
        assertEquals(List.of("+CPIN: READY", "OK", "RDY"), lines);
    }

    @Test
    void line_over_the_limit_is_dropped_up_to_its_terminator_with_its_size() {
        feed("+BIG: " + "9".repeat(100) + "\r\nOK\r\n");
        assertEquals(List.of("OK"), lines);
        assertEquals(1, dropped.size());
        assertTrue(dropped.get(0).startsWith("oversized line of 106 bytes (limit 64)"), dropped.get(0));
    }

    @Test
    void line_with_non_printable_bytes_is_dropped_naming_the_byte() {
        feed("\u0000\u00ffOK\r\nOK\r\n");
        assertEquals(List.of("OK"), lines);
        assertTrue(dropped.get(0).contains("byte 0x00 at offset 0"), dropped.get(0));
    }

    @Test
    void reset_discards_a_partial_line() {
        feed("+CPIN: REA");
        assembler.reset();
        feed("OK\r\n");
        assertEquals(List.of("OK"), lines);
        assertTrue(dropped.get(0).contains("partial line"), dropped.get(0));
    }
}
