package io.vinbind.modem.at;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The final result code that ends a command's answer (ITU-T V.250 §5.7.1 and 3GPP TS 27.007 §9.2).
 * Errors are values here; {@link AtResponse#requireOk()} turns them into an {@link AtErrorException}
 * where the caller needs success.
 */
public sealed interface FinalResult {

    /** The line as received. */
    String rawLine();

    /** True only for {@code OK}. */
    default boolean isOk() {
        return this instanceof Ok;
    }

    /** {@code OK}. */
    record Ok(String rawLine) implements FinalResult {
        public Ok {
            Objects.requireNonNull(rawLine, "rawLine");
        }
    }

    /** Plain {@code ERROR}: the command is unknown, malformed, or errors are not reported verbosely. */
    record Error(String rawLine) implements FinalResult {
        public Error {
            Objects.requireNonNull(rawLine, "rawLine");
        }
    }

    /**
     * {@code +CME ERROR: <err>} (3GPP TS 27.007 §9.2): numeric after {@code AT+CMEE=1}, text after
     * {@code AT+CMEE=2}; a text form that names a known error is mapped to its code.
     *
     * @param code    the known error, or empty if the number/text names none we know
     * @param number  the numeric code, -1 if the text form named no known error
     * @param text    the text after the colon, as received
     * @param rawLine the line as received
     */
    record CmeError(Optional<CmeErrorCode> code, int number, String text, String rawLine) implements FinalResult {
        public CmeError {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(rawLine, "rawLine");
        }

        /** True if this error is {@code c}. */
        public boolean is(CmeErrorCode c) {
            return code.isPresent() && code.get() == c;
        }
    }

    /** {@code +CMS ERROR: <err>} (3GPP TS 27.005 §3.2.5), the SMS-service errors. */
    record CmsError(String text, String rawLine) implements FinalResult {
        public CmsError {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(rawLine, "rawLine");
        }
    }

    /** {@code NO CARRIER}, {@code BUSY}, {@code NO ANSWER}, {@code NO DIALTONE} (V.250 §5.7.1). */
    record ConnectionFailure(String rawLine) implements FinalResult {
        public ConnectionFailure {
            Objects.requireNonNull(rawLine, "rawLine");
        }
    }

    /** Parses a final result code, or empty if {@code line} is not one. */
    static Optional<FinalResult> parse(String line) {
        String l = line.strip();
        String upper = l.toUpperCase(Locale.ROOT);
        switch (upper) {
            case "OK":
                return Optional.of(new Ok(l));
            case "ERROR":
                return Optional.of(new Error(l));
            case "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE":
                return Optional.of(new ConnectionFailure(l));
            default:
                break;
        }
        if (upper.startsWith("+CME ERROR:")) {
            String text = l.substring("+CME ERROR:".length()).strip();
            Optional<CmeErrorCode> code;
            int number = -1;
            if (!text.isEmpty() && text.chars().allMatch(Character::isDigit) && text.length() <= 6) {
                number = Integer.parseInt(text);
                code = CmeErrorCode.fromNumber(number);
            } else {
                code = CmeErrorCode.fromText(text);
                if (code.isPresent()) {
                    number = code.get().number();
                }
            }
            return Optional.of(new CmeError(code, number, text, l));
        }
        if (upper.startsWith("+CMS ERROR:")) {
            return Optional.of(new CmsError(l.substring("+CMS ERROR:".length()).strip(), l));
        }
        return Optional.empty();
    }
}
