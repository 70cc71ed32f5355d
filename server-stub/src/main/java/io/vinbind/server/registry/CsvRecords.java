package io.vinbind.server.registry;

import java.io.IOException;
import java.io.PushbackReader;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The records of a CSV stream, as RFC 4180 has them: fields separated by commas, a field in double quotes
 * may hold commas, line breaks (CR, LF or CR LF) and quotes written twice; a record ends at a line break
 * outside quotes. Each record carries the physical line it starts on (lines counted as
 * {@link java.io.BufferedReader#readLine()} counts them), so a report can point into the file even after a
 * record that spans lines.
 *
 * <p>Beyond RFC 4180, as factory exports have them: a UTF-8 byte order mark at the start is skipped, blank
 * lines and lines starting with {@code #} (outside quotes) are skipped, spaces and tabs around a field
 * (outside its quotes) are trimmed, and a quote inside an unquoted field is taken as a character. Inside
 * quotes everything is data, line breaks as they were written.
 *
 * <p>A record that cannot be read is returned with its {@link Record#problem() problem} and reading goes
 * on after it: text after a closing quote (the rest of the record is skipped), a record longer than
 * {@link #MAX_RECORD_CHARS} (skipped without being kept in memory), a quote never closed (the file ends
 * inside it: nothing follows). Not thread-safe.
 */
final class CsvRecords {

    /** Longest record kept: a registry row has six short fields; anything longer is a quote left open. */
    static final int MAX_RECORD_CHARS = 10_000;

    private static final int EOF = -1;

    /**
     * One record.
     *
     * @param line    physical line (1-based) the record starts on
     * @param fields  its fields; empty when the record could not be read
     * @param problem why it could not be read, if it could not
     */
    record Record(int line, List<String> fields, Optional<String> problem) {
        Record {
            fields = List.copyOf(fields);
            Objects.requireNonNull(problem, "problem");
        }
    }

    private final PushbackReader in;
    private int line = 1;
    private boolean started;

    CsvRecords(Reader in) {
        this.in = new PushbackReader(Objects.requireNonNull(in, "in"), 1);
    }

    /** Lines read so far (the line the next record would start on). */
    int line() {
        return line;
    }

    /** The next record, or empty at the end of the stream. */
    Optional<Record> next() throws IOException {
        if (!started) {
            started = true;
            int c = in.read();
            if (c != '\uFEFF' && c != EOF) {
                in.unread(c); // a byte order mark written by spreadsheet programs is skipped
            }
        }
        while (true) {
            int c = in.read();
            if (c == EOF) {
                return Optional.empty();
            }
            if (c == '#') {
                skipLine();
                continue;
            }
            in.unread(c);
            Record r = record(line);
            if (r != null) {
                return Optional.of(r);
            }
        }
    }

    /** Reads one record starting on line {@code start}; null for a blank line. */
    private Record record(int start) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int[] length = {0};
        boolean anyQuoted = false;
        while (true) {
            int c = in.read();
            while (c == ' ' || c == '\t') {
                c = in.read();
            }
            if (c == '"') {
                anyQuoted = true;
                int opened = line;
                while (true) {
                    c = in.read();
                    if (c == EOF) {
                        return problem(start, "quoted field " + (fields.size() + 1) + " opened on line " + opened
                                + " is never closed (the file ends inside it)");
                    }
                    if (c == '"') {
                        int d = in.read();
                        if (d != '"') {
                            c = d;
                            break;
                        }
                    } else if (c == '\r') {
                        int d = in.read();
                        if (d == '\n') {
                            append(field, '\r', length);
                            c = '\n';
                        } else if (d != EOF) {
                            in.unread(d);
                        }
                        line++;
                    } else if (c == '\n') {
                        line++;
                    }
                    append(field, (char) c, length); // inside quotes everything is data, line breaks too
                }
                while (c == ' ' || c == '\t') {
                    c = in.read();
                }
                if (c != ',' && c != '\r' && c != '\n' && c != EOF) {
                    int bad = fields.size() + 1;
                    skipRecordRest(c);
                    return problem(start, "text after the closing quote of field " + bad);
                }
                fields.add(field.toString());
            } else {
                while (c != ',' && c != '\r' && c != '\n' && c != EOF) {
                    append(field, (char) c, length);
                    c = in.read();
                }
                int end = field.length();
                while (end > 0 && (field.charAt(end - 1) == ' ' || field.charAt(end - 1) == '\t')) {
                    end--;
                }
                fields.add(field.substring(0, end));
            }
            field.setLength(0);
            if (c == ',') {
                continue;
            }
            if (c == '\r' || c == '\n') {
                lineBreak(c);
            }
            if (length[0] > MAX_RECORD_CHARS) {
                return problem(start, "record longer than " + MAX_RECORD_CHARS + " characters (lines " + start
                        + " to " + (line - 1) + "; a quote left open?)");
            }
            boolean blank = fields.size() == 1 && fields.get(0).isEmpty() && !anyQuoted;
            return blank ? null : new Record(start, fields, Optional.empty());
        }
    }

    /** Appends while the record is within {@link #MAX_RECORD_CHARS}; past that only counts. */
    private static void append(StringBuilder field, char c, int[] length) {
        if (++length[0] <= MAX_RECORD_CHARS) {
            field.append(c);
        }
    }

    private Record problem(int start, String why) {
        return new Record(start, List.of(), Optional.of(why));
    }

    /** Counts a line break whose first character {@code c} was read: CR LF, CR or LF. */
    private void lineBreak(int c) throws IOException {
        if (c == '\r') {
            int d = in.read();
            if (d != '\n' && d != EOF) {
                in.unread(d);
            }
        }
        line++;
    }

    /** Skips to the end of the physical line (a comment). */
    private void skipLine() throws IOException {
        int c;
        do {
            c = in.read();
        } while (c != '\r' && c != '\n' && c != EOF);
        if (c != EOF) {
            lineBreak(c);
        }
    }

    /**
     * Skips the rest of a malformed record from {@code c}: to its line break, passing over quoted parts the
     * way a reader would (so a quoted line break further on does not start a bogus record).
     */
    private void skipRecordRest(int c) throws IOException {
        boolean inQuotes = false;
        while (c != EOF) {
            if (c == '"') {
                inQuotes = !inQuotes;
            } else if (c == '\r' || c == '\n') {
                lineBreak(c);
                if (!inQuotes) {
                    return;
                }
            }
            c = in.read();
        }
    }
}
