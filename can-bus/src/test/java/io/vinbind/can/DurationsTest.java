package io.vinbind.can;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void reads_every_form_the_tools_and_the_terminal_configuration_document() {
        assertEquals(Duration.ofMillis(1500), Durations.parse("1500ms"));
        assertEquals(Duration.ofMillis(1500), Durations.parse("1500"));          // bare number: milliseconds
        assertEquals(Duration.ofMillis(2500), Durations.parse("2.5s"));
        assertEquals(Duration.ofNanos(250_000), Durations.parse("250us"));
        assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
        assertEquals(Duration.ofHours(1), Durations.parse("1h"));
        assertEquals(Duration.ofSeconds(6), Durations.parse("PT6S"));            // ISO-8601
        assertEquals(Duration.ofSeconds(6), Durations.parse(" pt6s "));
    }

    @Test
    void refuses_garbage_and_negative_durations_naming_the_text() {
        for (String bad : new String[] {"soon", "5 minutes", "1.5m", "PTxS", "", "-5ms", "-PT1S"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad),
                    "'" + bad + "' must be refused");
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }

    @Test
    void format_writes_what_parse_reads_back() {
        for (Duration d : new Duration[] {Duration.ofMillis(1500), Duration.ofNanos(250_000), Duration.ofMinutes(5)}) {
            assertEquals(d, Durations.parse(Durations.format(d)));
        }
    }
}
