package io.vinbind.protocol;

/**
 * Renders untrusted text (a topic, a payload fragment, a value from a file or a modem) for a log line or an
 * error message, so that it can neither forge log lines nor drive the terminal that displays them.
 *
 * <p>Printable ASCII is kept as it is; everything else — C0 controls such as ESC, CR and LF, DEL, C1
 * controls, bidirectional overrides and every other non-ASCII character — is written as {@code \}{@code
 * uXXXX}, and a backslash as two, so the escaped form is unambiguous (OWASP logging cheat sheet: encode
 * before logging, CWE-117). Long input is cut to a bound and the cut is said.
 */
public final class LogText {

    /** Default bound, in characters of the input. */
    public static final int DEFAULT_LIMIT = 200;

    private LogText() {
    }

    /** {@link #escape(String, int)} with {@link #DEFAULT_LIMIT}; {@code "null"} for null. */
    public static String escape(String untrusted) {
        return escape(untrusted, DEFAULT_LIMIT);
    }

    /**
     * The escaped form of at most {@code limit} characters of {@code untrusted}, followed by
     * {@code ...(N chars)} when it was longer; {@code "null"} for null.
     */
    public static String escape(String untrusted, int limit) {
        if (untrusted == null) {
            return "null";
        }
        if (limit < 1) {
            throw new IllegalArgumentException("limit " + limit + " < 1");
        }
        int n = Math.min(untrusted.length(), limit);
        StringBuilder sb = null;
        for (int i = 0; i < n; i++) {
            char c = untrusted.charAt(i);
            boolean plain = c >= 0x20 && c <= 0x7e && c != '\\';
            if (!plain && sb == null) {
                sb = new StringBuilder(n + 16).append(untrusted, 0, i);
            }
            if (sb != null) {
                if (plain) {
                    sb.append(c);
                } else if (c == '\\') {
                    sb.append("\\\\");
                } else {
                    sb.append(String.format("\\u%04x", (int) c));
                }
            }
        }
        String out = sb != null ? sb.toString() : untrusted.substring(0, n);
        return untrusted.length() > n ? out + "...(" + untrusted.length() + " chars)" : out;
    }
}
