package io.vinbind.modem.at;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target of the AT reader's pure part (Jazzer, coverage-guided; docs/bench.md "fuzzing"): the byte
 * stream from the modem through {@link LineAssembler} into lines, and each line through the classifiers the
 * engine sorts it with ({@link FinalResult#parse}, {@link UrcKind#of}, {@link RegistrationForms}) into a
 * response. Corpus: {@code src/test/resources/io/vinbind/modem/at/LineAssemblerFuzzTestInputs/<method>/}.
 *
 * <p>Whatever arrives, in whatever reads: lines are 1 to {@code maxLineLength} characters of printable IRA
 * (tab allowed inside), stripped, without CR or LF; what is dropped is reported with a printable reason;
 * the outcome does not depend on how the stream was split into reads; and classifying or assembling a
 * response never throws anything but the typed {@link AtException}s.
 */
class LineAssemblerFuzzTest {

    /** Input layout: byte 0 sets the line limit (16 + its value: 16..271, small so long lines are found), then the stream. */
    @FuzzTest(maxDuration = "60s")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void any_byte_stream_yields_bounded_printable_lines(byte[] input) throws AtException {
        if (input.length == 0) {
            return;
        }
        int limit = 16 + (input[0] & 0xFF);
        byte[] stream = Arrays.copyOfRange(input, 1, input.length);

        List<String> whole = assemble(limit, stream, stream.length);
        assertEquals(whole, assemble(limit, stream, 1), "byte-by-byte reads assemble differently");
        assertEquals(whole, assemble(limit, stream, 0), "uneven reads assemble differently");

        List<String> answer = new ArrayList<>();
        long lineChars = 0;
        for (String event : whole) {
            String text = event.substring(2);
            assertPrintable(text, event);
            if (event.startsWith("D ")) {
                assertFalse(text.isEmpty(), "dropped without a reason");
                continue;
            }
            lineChars += text.length();
            assertTrue(!text.isEmpty() && text.length() <= limit, () -> "line of " + text.length() + " chars, limit " + limit);
            assertEquals(text.strip(), text, "line not stripped");
            assertFalse(text.contains("\r") || text.contains("\n"), "line with a terminator");
            classify(text, answer);
        }
        assertTrue(lineChars <= stream.length, "more line characters than bytes received");
    }

    /** What the engine does with one line: final result code, URC, registration form, answer line. */
    private static void classify(String line, List<String> answer) throws AtException {
        Optional<UrcKind> kind = UrcKind.of(line);
        if (kind.isPresent() && kind.get().isRegistration()) {
            RegistrationForms.isSolicited(line);
        }
        new Urc(kind.orElse(UrcKind.UNKNOWN), line, Instant.EPOCH).payload();
        CmeErrorCode.fromText(line);
        Optional<FinalResult> result = FinalResult.parse(line);
        if (result.isEmpty()) {
            answer.add(line);
            return;
        }
        FinalResult r = result.get();
        assertEquals(line, r.rawLine(), "final result code does not keep its line");
        if (r instanceof FinalResult.CmeError cme) {
            assertTrue(cme.number() >= -1, "CME error number " + cme.number());
            cme.code().ifPresent(c -> assertEquals(c.number(), cme.number(), "CME code and number disagree"));
        }
        AtResponse response = new AtResponse("AT+FUZZ", answer, r, Duration.ZERO);
        if (r.isOk()) {
            response.requireOk();
        } else {
            AtErrorException e = assertThrows(AtErrorException.class, response::requireOk);
            assertEquals(r, e.result());
        }
        if (answer.size() == 1) {
            assertEquals(answer.get(0), response.singleLine());
        } else {
            assertThrows(AtResponseFormatException.class, response::singleLine);
        }
        answer.clear();
    }

    /**
     * The events ({@code "L line"}, {@code "D reason"}) of feeding {@code stream} in reads of {@code size}
     * bytes (uneven sizes taken from the stream when 0) and then resetting, as a link loss does.
     */
    private static List<String> assemble(int limit, byte[] stream, int size) {
        List<String> events = new ArrayList<>();
        LineAssembler a = new LineAssembler(limit, new LineAssembler.Sink() {
            @Override
            public void line(String line) {
                events.add("L " + line);
            }

            @Override
            public void dropped(String reason) {
                events.add("D " + reason);
            }
        });
        int off = 0;
        while (off < stream.length) {
            int n = size > 0 ? size : 1 + (stream[off] & 0x3F);
            int len = Math.min(n, stream.length - off);
            byte[] read = new byte[len + 2]; // the engine's buffer is larger than what one read filled
            System.arraycopy(stream, off, read, 1, len);
            a.feed(read, 1, len);
            off += len;
        }
        a.reset();
        return events;
    }

    private static void assertPrintable(String text, String event) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c >= 0x20 && c <= 0x7e || (c == '\t' && event.startsWith("L "));
            assertTrue(ok, () -> String.format("%s has character U+%04X", event.startsWith("L ") ? "line" : "drop reason",
                (int) c));
        }
    }
}
