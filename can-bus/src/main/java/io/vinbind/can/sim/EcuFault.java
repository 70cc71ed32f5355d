package io.vinbind.can.sim;

import io.vinbind.can.Durations;
import io.vinbind.can.uds.Nrc;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How the simulated smart-key ECU misbehaves when asked for its VIN. Text forms (options and properties):
 * <pre>
 * none                      answer normally
 * pending:N[:interval]      N x NRC 0x78 response-pending first (default interval 200ms), then the VIN
 * delay:DURATION            answer after DURATION (e.g. delay:1500ms)
 * nrc:CODE                  refuse with that NRC (nrc:0x22, nrc:conditions_not_correct)
 * silent                    never answer
 * truncated:N               send only the first N VIN characters
 * bad-check-digit           send the VIN with a wrong check digit (position 9)
 * </pre>
 */
public sealed interface EcuFault {

    /** Text form, as {@link #parse} reads it. */
    String spec();

    record None() implements EcuFault {
        @Override
        public String spec() {
            return "none";
        }
    }

    record ResponsePending(int count, Duration interval) implements EcuFault {
        public ResponsePending {
            Objects.requireNonNull(interval, "interval");
            if (count < 1) {
                throw new IllegalArgumentException("pending fault needs at least one 0x78, got " + count);
            }
        }

        @Override
        public String spec() {
            return "pending:" + count + ":" + Durations.format(interval);
        }
    }

    record Delay(Duration delay) implements EcuFault {
        public Delay {
            Objects.requireNonNull(delay, "delay");
        }

        @Override
        public String spec() {
            return "delay:" + Durations.format(delay);
        }
    }

    record Negative(int nrcCode) implements EcuFault {
        public Negative {
            if (nrcCode < 0 || nrcCode > 0xFF || nrcCode == Nrc.REQUEST_CORRECTLY_RECEIVED_RESPONSE_PENDING.code()) {
                throw new IllegalArgumentException("nrc fault needs a refusing NRC byte (not 0x78; use pending:N), got " + nrcCode);
            }
        }

        @Override
        public String spec() {
            return String.format(Locale.ROOT, "nrc:0x%02X", nrcCode);
        }
    }

    record Silence() implements EcuFault {
        @Override
        public String spec() {
            return "silent";
        }
    }

    record TruncatedVin(int length) implements EcuFault {
        public TruncatedVin {
            if (length < 0 || length >= 17) {
                throw new IllegalArgumentException("truncated VIN length must be 0..16, got " + length);
            }
        }

        @Override
        public String spec() {
            return "truncated:" + length;
        }
    }

    record WrongCheckDigit() implements EcuFault {
        @Override
        public String spec() {
            return "bad-check-digit";
        }
    }

    /** Default interval between response-pending messages. */
    Duration DEFAULT_PENDING_INTERVAL = Duration.ofMillis(200);

    /** @throws IllegalArgumentException naming the text when it is not one of the forms above */
    static EcuFault parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        String[] parts = t.split(":");
        try {
            switch (parts[0]) {
                case "none":
                    return new None();
                case "silent":
                case "silence":
                    return new Silence();
                case "bad-check-digit":
                    return new WrongCheckDigit();
                case "pending":
                    return new ResponsePending(Integer.parseInt(arg(parts, 1, text)),
                            parts.length > 2 ? Durations.parse(parts[2]) : DEFAULT_PENDING_INTERVAL);
                case "delay":
                    return new Delay(Durations.parse(arg(parts, 1, text)));
                case "nrc":
                    return new Negative(Nrc.parseCode(arg(parts, 1, text)));
                case "truncated":
                    return new TruncatedVin(Integer.parseInt(arg(parts, 1, text)));
                default:
                    throw new IllegalArgumentException("unknown fault");
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ECU fault '" + text + "': " + e.getMessage()
                    + " (use none, pending:N[:interval], delay:DURATION, nrc:CODE, silent, truncated:N, bad-check-digit)", e);
        }
    }

    private static String arg(String[] parts, int i, String text) {
        if (parts.length <= i || parts[i].isBlank()) {
            throw new IllegalArgumentException("'" + text + "' needs a value after ':'");
        }
        return parts[i];
    }
}
