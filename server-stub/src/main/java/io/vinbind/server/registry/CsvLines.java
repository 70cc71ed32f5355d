package io.vinbind.server.registry;

import java.util.ArrayList;
import java.util.List;

/** Splits one CSV record (RFC 4180: comma separated, optional double quotes, "" escapes a quote). */
final class CsvLines {

    private CsvLines() {
    }

    /**
     * @throws IllegalArgumentException for an unterminated quote or text after a closing quote
     */
    static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quoted field " + (fields.size() + 1));
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            cur.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        cur.append(c);
                    }
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new IllegalArgumentException("text after the closing quote of field " + (fields.size() + 1));
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    cur.append(line.charAt(i++));
                }
            }
            fields.add(cur.toString().trim());
            cur.setLength(0);
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }
}
