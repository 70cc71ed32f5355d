package io.vinbind.modem.at;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One AT command line and how to recognise its answer.
 *
 * <p>Information text is matched to the command by prefix ({@code "+CPIN:"} for {@code AT+CPIN?}): a line
 * with a different prefix that arrives while the command runs is an unsolicited result code, not part of
 * the answer. Commands whose answer has no prefix ({@code AT+CIMI}, {@code AT+CGSN}, {@code ATI}) set
 * {@code bareLines}: then unprefixed lines that are not known URCs belong to the answer.
 *
 * @param text      the command line without the trailing CR, e.g. {@code AT+CPIN?}; printable IRA only
 *                  (ITU-T V.250 §5.2.1: the command line is IRA characters terminated by S3 = CR)
 * @param prefixes  prefixes of information lines that belong to this command (may be empty)
 * @param bareLines whether unprefixed lines belong to this command
 * @param timeout   how long to wait for the final result code before giving up
 */
public record AtCommand(String text, List<String> prefixes, boolean bareLines, Duration timeout) {

    /** Longest command line accepted; 27.007 modems take at least 556 characters, V.250 requires 40. */
    public static final int MAX_LENGTH = 1024;
    /** Default answer timeout: the longest that simple 27.007 queries take on EC2x/SIM7600 class modems. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** Upper bound for any command timeout (network operations such as {@code AT+COPS=?} take minutes). */
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    public AtCommand {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(prefixes, "prefixes");
        Objects.requireNonNull(timeout, "timeout");
        if (text.length() < 2 || !text.regionMatches(true, 0, "AT", 0, 2)) {
            throw new IllegalArgumentException("AT command must start with AT: '" + text + "'");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("AT command longer than " + MAX_LENGTH + " characters: " + text.length());
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                        "AT command contains non-printable character 0x%02x at %d: '%s'", (int) c, i, text.strip()));
            }
        }
        prefixes = List.copyOf(prefixes);
        for (String p : prefixes) {
            if (p.isBlank()) {
                throw new IllegalArgumentException("blank response prefix for " + text);
            }
        }
        if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("timeout for " + text + " must be in (0, " + MAX_TIMEOUT + "]: " + timeout);
        }
    }

    /** A command whose answer is only a final result code ({@code ATE0}, {@code AT+CMEE=1}). */
    public static AtCommand action(String text) {
        return new AtCommand(text, List.of(), false, DEFAULT_TIMEOUT);
    }

    /** A command answered by lines starting with {@code prefix}, e.g. {@code query("AT+CSQ", "+CSQ:")}. */
    public static AtCommand query(String text, String prefix) {
        return new AtCommand(text, List.of(prefix), false, DEFAULT_TIMEOUT);
    }

    /** A command answered by unprefixed text ({@code AT+CIMI}); {@code alsoPrefixes} catch vendor variants. */
    public static AtCommand bare(String text, String... alsoPrefixes) {
        return new AtCommand(text, List.of(alsoPrefixes), true, DEFAULT_TIMEOUT);
    }

    /** The same command with another timeout. */
    public AtCommand withTimeout(Duration newTimeout) {
        return new AtCommand(text, prefixes, bareLines, newTimeout);
    }

    /** True if {@code line} carries one of this command's prefixes (case-insensitive, as modems vary). */
    public boolean hasPrefixOf(String line) {
        for (String p : prefixes) {
            if (line.regionMatches(true, 0, p, 0, p.length())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return text;
    }
}
