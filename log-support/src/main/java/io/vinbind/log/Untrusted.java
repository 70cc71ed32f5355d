package io.vinbind.log;

/**
 * Text from outside the process (a serial line, a file, a network peer) made safe for a log line or an
 * error message: control characters and everything outside printable ASCII are written as escapes ({@code \x07}), so
 * that a line cannot forge another log line, hide behind an invisible character or recolour a terminal;
 * and long text is cut, so that one bad input cannot make a megabyte log line.
 */
public final class Untrusted {

    /** Characters kept by {@link #escape(CharSequence)}. */
    public static final int DEFAULT_LIMIT = 80;

    private Untrusted() {
    }

    /** {@link #escape(CharSequence, int)} with {@link #DEFAULT_LIMIT}. */
    public static String escape(CharSequence text) {
        return escape(text, DEFAULT_LIMIT);
    }

    /**
     * Printable ASCII as it is; tab, CR, LF and a backslash as {@code \t}, {@code \r}, {@code \n},
     * {@code \\}; any other character as {@code \xNN} (below 0x100) or a backslash, {@code u} and four hex
     * digits; after {@code limit} characters {@code ...(N chars)}. {@code null} is {@code "null"}.
     */
    public static String escape(CharSequence text, int limit) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), Math.max(0, limit));
        StringBuilder sb = new StringBuilder(n + 8);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c >= 0x20 && c < 0x7f) {
                        sb.append(c);
                    } else if (c < 0x100) {
                        sb.append(String.format("\\x%02X", (int) c));
                    } else {
                        sb.append(String.format("\\u%04X", (int) c));
                    }
                }
            }
        }
        if (text.length() > n) {
            sb.append("...(").append(text.length()).append(" chars)");
        }
        return sb.toString();
    }
}
