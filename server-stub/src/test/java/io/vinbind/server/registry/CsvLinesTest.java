package io.vinbind.server.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class CsvLinesTest {

    @Test
    void splits_plain_quoted_empty_and_escaped_fields() {
        assertEquals(List.of("a", "b", "c"), CsvLines.split("a,b,c"));
        assertEquals(List.of("a", "", ""), CsvLines.split("a,,"));
        assertEquals(List.of("x,y", "say \"hi\"", "z"), CsvLines.split("\"x,y\",\"say \"\"hi\"\"\",z"));
        assertEquals(List.of("padded"), CsvLines.split("  padded  "));
    }

    @Test
    void refuses_an_unterminated_quote_or_text_after_a_closing_quote() {
        assertThrows(IllegalArgumentException.class, () -> CsvLines.split("\"open,b"));
        assertThrows(IllegalArgumentException.class, () -> CsvLines.split("\"a\"b,c"));
    }
}
