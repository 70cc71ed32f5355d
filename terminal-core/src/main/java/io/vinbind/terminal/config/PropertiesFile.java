package io.vinbind.terminal.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Reads a {@code .properties} file with the syntax of {@link Properties#load(java.io.Reader)} (comments
 * {@code #}/{@code !}, separators {@code =}, {@code :} or white space, backslash continuation lines and
 * escapes), but refuses what {@code Properties} passes over in silence: a key given twice (it keeps the last,
 * so a second {@code data.dir} further down wins unnoticed) and bytes that are not UTF-8. A UTF-8 byte order
 * mark, which Windows editors write and {@code Properties} reads as part of the first key, is skipped.
 */
final class PropertiesFile {

    /** U+FEFF at the start of the text. */
    static final char BOM = '\uFEFF';

    private PropertiesFile() {
    }

    /** The file holds bytes that are not UTF-8; the message names the line and the byte. */
    static final class NotUtf8Exception extends IOException {
        private static final long serialVersionUID = 1L;

        NotUtf8Exception(String message) {
            super(message);
        }
    }

    /**
     * @throws ConfigException a key set twice (naming both lines) or a malformed backslash-u escape
     * @throws IOException     unreadable, or not UTF-8 text (naming the line)
     */
    static Properties read(Path file) throws IOException, ConfigException {
        return parse(decode(Files.readAllBytes(file)));
    }

    /** Parses properties text; see the class comment. */
    static Properties parse(String text) throws ConfigException {
        Map<String, Integer> lineOfKey = new LinkedHashMap<>();
        Properties out = new Properties();
        int pos = text.isEmpty() || text.charAt(0) != BOM ? 0 : 1;
        int line = 1;
        int n = text.length();
        while (pos < n) {
            int start = line;
            // skip leading white space of the natural line; blank lines and comment lines go whole
            while (pos < n && isBlank(text.charAt(pos))) {
                pos++;
            }
            if (pos >= n) {
                break;
            }
            char first = text.charAt(pos);
            if (isEol(first)) {
                pos = skipEol(text, pos);
                line++;
                continue;
            }
            if (first == '#' || first == '!') {
                while (pos < n && !isEol(text.charAt(pos))) {
                    pos++;
                }
                if (pos < n) {
                    pos = skipEol(text, pos);
                    line++;
                }
                continue;
            }
            // one logical line: natural lines joined where one ends in an odd number of backslashes
            StringBuilder logical = new StringBuilder();
            while (true) {
                int end = pos;
                while (end < n && !isEol(text.charAt(end))) {
                    end++;
                }
                int backslashes = 0;
                for (int i = end - 1; i >= pos && text.charAt(i) == '\\'; i--) {
                    backslashes++;
                }
                boolean continues = backslashes % 2 == 1;
                logical.append(text, pos, continues ? end - 1 : end);
                pos = end;
                if (pos < n) {
                    pos = skipEol(text, pos);
                    line++;
                }
                if (!continues || pos >= n) {
                    break;
                }
                while (pos < n && isBlank(text.charAt(pos))) {
                    pos++; // a continuation line's leading white space is not part of the value
                }
            }
            entry(logical.toString(), start, out, lineOfKey);
        }
        return out;
    }

    private static void entry(String logical, int line, Properties out, Map<String, Integer> lineOfKey)
            throws ConfigException {
        int i = 0;
        int n = logical.length();
        boolean escaped = false;
        while (i < n) {
            char c = logical.charAt(i);
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '=' || c == ':' || isBlank(c)) {
                break;
            }
            i++;
        }
        String rawKey = logical.substring(0, i);
        while (i < n && isBlank(logical.charAt(i))) {
            i++;
        }
        if (i < n && (logical.charAt(i) == '=' || logical.charAt(i) == ':')) {
            i++;
        }
        while (i < n && isBlank(logical.charAt(i))) {
            i++;
        }
        String key = unescape(rawKey, "line " + line, rawKey);
        String value = unescape(logical.substring(i), key, logical.substring(i));
        Integer earlier = lineOfKey.putIfAbsent(key, line);
        if (earlier != null) {
            throw new ConfigException(key, value, "each key once: " + key + " is already set on line " + earlier
                    + " (to '" + ConfigException.printable(out.getProperty(key)) + "'); this is line " + line);
        }
        out.setProperty(key, value);
    }

    /**
     * The escapes of {@link Properties#load(java.io.Reader)}: tab, newline, return, form feed, backslash-u, and
     * a backslash before any other character standing for that character.
     */
    private static String unescape(String s, String key, String whole) throws ConfigException {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 >= s.length()) {
                b.append(c);
                continue;
            }
            char e = s.charAt(++i);
            switch (e) {
                case 't' -> b.append('\t');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 'f' -> b.append('\f');
                case 'u' -> {
                    if (i + 4 >= s.length()) {
                        throw new ConfigException(key, whole, "a backslash-u escape with four hex digits");
                    }
                    int v = 0;
                    for (int k = 1; k <= 4; k++) {
                        int d = Character.digit(s.charAt(i + k), 16);
                        if (d < 0) {
                            throw new ConfigException(key, whole, "a backslash-u escape with four hex digits");
                        }
                        v = v << 4 | d;
                    }
                    b.append((char) v);
                    i += 4;
                }
                default -> b.append(e);
            }
        }
        return b.toString();
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t' || c == '\f';
    }

    private static boolean isEol(char c) {
        return c == '\n' || c == '\r';
    }

    private static int skipEol(String text, int pos) {
        if (text.charAt(pos) == '\r' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n') {
            return pos + 2;
        }
        return pos + 1;
    }

    /** Strict UTF-8: a configuration that is not text is refused, naming the line, not read with U+FFFD in it. */
    static String decode(byte[] bytes) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        var result = decoder.decode(in, out, true);
        if (result.isError()) {
            int offset = in.position();
            int line = 1;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new NotUtf8Exception(String.format("line %d is not UTF-8 text (byte 0x%02X at offset %d)", line,
                    bytes[offset] & 0xFF, offset));
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}
