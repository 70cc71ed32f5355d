package io.vinbind.server.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CsvRecordsTest {

    private static List<CsvRecords.Record> read(String csv) throws IOException {
        CsvRecords records = new CsvRecords(new StringReader(csv));
        List<CsvRecords.Record> out = new ArrayList<>();
        Optional<CsvRecords.Record> r;
        while ((r = records.next()).isPresent()) {
            out.add(r.get());
        }
        return out;
    }

    private static List<String> one(String csv) throws IOException {
        List<CsvRecords.Record> records = read(csv);
        assertEquals(1, records.size(), records.toString());
        assertTrue(records.get(0).problem().isEmpty(), records.toString());
        return records.get(0).fields();
    }

    @Test
    void splits_plain_quoted_empty_and_escaped_fields() throws Exception {
        assertEquals(List.of("a", "b", "c"), one("a,b,c"));
        assertEquals(List.of("a", "", ""), one("a,,"));
        assertEquals(List.of("x,y", "say \"hi\"", "z"), one("\"x,y\",\"say \"\"hi\"\"\",z"));
        assertEquals(List.of("padded"), one("  padded  "));
        assertEquals(List.of("a", " kept "), one("a, \" kept \" "), "spaces inside quotes are data");
        assertEquals(List.of(""), one("\"\""), "one empty quoted field is a record, not a blank line");
    }

    @Test
    void a_quoted_field_may_hold_line_breaks_and_records_carry_the_line_they_start_on() throws Exception {
        List<CsvRecords.Record> r = read("h1,h2\r\n1,\"two\r\nlines\"\r\n2,\"lf\nonly\"\n3,\"cr\ronly\"\r4,x\n\n# c\n5,y");
        assertEquals(List.of(1, 2, 4, 6, 8, 11), r.stream().map(CsvRecords.Record::line).toList());
        assertEquals(List.of("1", "two\r\nlines"), r.get(1).fields());
        assertEquals(List.of("2", "lf\nonly"), r.get(2).fields());
        assertEquals(List.of("3", "cr\ronly"), r.get(3).fields());
        assertEquals(List.of("4", "x"), r.get(4).fields());
        assertEquals(List.of("5", "y"), r.get(5).fields());
    }

    @Test
    void a_byte_order_mark_blank_lines_and_comments_are_skipped() throws Exception {
        List<CsvRecords.Record> r = read("\uFEFFimsi\n   \n# comment, \"with a quote\n\n460011234567890\n");
        assertEquals(List.of("imsi"), r.get(0).fields());
        assertEquals(5, r.get(1).line());
        assertEquals(2, r.size());
    }

    @Test
    void text_after_a_closing_quote_spoils_only_its_own_record() throws Exception {
        List<CsvRecords.Record> r = read("\"a\"b,\"c\nd\"\nnext,1\n");
        assertEquals(Optional.of("text after the closing quote of field 1"), r.get(0).problem());
        assertEquals(3, r.get(1).line(), "the quoted line break in the bad record is passed over");
        assertEquals(List.of("next", "1"), r.get(1).fields());
    }

    @Test
    void an_unterminated_quote_is_reported_where_it_opens() throws Exception {
        List<CsvRecords.Record> r = read("ok\n1,2,\"open\nrest\nof the file\n");
        assertEquals(2, r.size());
        assertEquals(2, r.get(1).line());
        assertEquals(Optional.of("quoted field 3 opened on line 2 is never closed (the file ends inside it)"),
                r.get(1).problem());
    }

    @Test
    void an_over_long_record_is_skipped_without_being_kept() throws Exception {
        String big = "\"" + "x".repeat(CsvRecords.MAX_RECORD_CHARS) + "\ny\"";
        List<CsvRecords.Record> r = read("a\n" + big + "\nb\n");
        assertEquals(3, r.size());
        assertTrue(r.get(1).problem().orElseThrow().startsWith("record longer than " + CsvRecords.MAX_RECORD_CHARS
                + " characters (lines 2 to 3"), r.get(1).problem().toString());
        assertEquals(List.of("b"), r.get(2).fields());
        assertEquals(4, r.get(2).line());
    }
}
