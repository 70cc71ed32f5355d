package io.vinbind.terminal.state;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The state file's text format: {@code key=value} lines a technician can read, closed by a CRC-32 of
 * everything before it, so a file damaged by anything other than our atomic rename (a bad flash block, a
 * hand edit, a copy cut short) is recognised as corrupt instead of trusted.
 *
 * <pre>
 * # vinbind terminal state (written by the terminal daemon; do not edit)
 * format=1
 * flag=set                      set | clear
 * flag.reason=ASSEMBLY          only when set: a FlagReason
 * flag.since=2026-11-22T12:00:00Z
 * bound.vin=1M8GDM9AXKP042788   the bound.* keys all or none
 * bound.imsi=460001234567890
 * bound.iccid=89860012345678901234
 * bound.imei=356938035643809
 * bound.at=2026-11-22T12:01:00Z
 * crc32=0a1b2c3d                CRC-32 (IEEE) of all bytes before this line, 8 lower-case hex digits
 * </pre>
 */
final class StateFileFormat {

    static final int VERSION = 1;
    private static final String CRC_KEY = "crc32=";

    private StateFileFormat() {
    }

    static byte[] encode(TerminalState state) {
        StringBuilder b = new StringBuilder();
        b.append("# vinbind terminal state (written by the terminal daemon; do not edit)\n");
        b.append("format=").append(VERSION).append('\n');
        b.append("flag=").append(state.flagSet() ? "set" : "clear").append('\n');
        state.vinRequest().ifPresent(r -> {
            b.append("flag.reason=").append(r.reason().name()).append('\n');
            b.append("flag.since=").append(r.since()).append('\n');
        });
        state.lastBound().ifPresent(id -> {
            b.append("bound.vin=").append(id.vin()).append('\n');
            b.append("bound.imsi=").append(id.imsi()).append('\n');
            b.append("bound.iccid=").append(id.iccid()).append('\n');
            b.append("bound.imei=").append(id.imei()).append('\n');
            b.append("bound.at=").append(id.boundAt()).append('\n');
        });
        byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
        String crc = CRC_KEY + String.format("%08x", crc(body, body.length)) + "\n";
        byte[] tail = crc.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[body.length + tail.length];
        System.arraycopy(body, 0, all, 0, body.length);
        System.arraycopy(tail, 0, all, body.length, tail.length);
        return all;
    }

    /** Decodes a state file, or throws {@link IllegalArgumentException} naming what is wrong. */
    static TerminalState decode(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        int crcAt = text.lastIndexOf("\n" + CRC_KEY);
        if (crcAt < 0) {
            throw new IllegalArgumentException("no crc32 line (file truncated?)");
        }
        int bodyLength = text.substring(0, crcAt + 1).getBytes(StandardCharsets.UTF_8).length;
        String crcLine = text.substring(crcAt + 1 + CRC_KEY.length()).strip();
        long expected;
        try {
            expected = Long.parseLong(crcLine, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("crc32 value '" + crcLine + "' is not hexadecimal", e);
        }
        long actual = crc(bytes, bodyLength);
        if (actual != expected) {
            throw new IllegalArgumentException(String.format(
                    "crc32 mismatch: file says %08x, content gives %08x", expected, actual));
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : text.substring(0, crcAt).split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("line '" + line + "' is not key=value");
            }
            kv.put(line.substring(0, eq), line.substring(eq + 1));
        }
        String format = require(kv, "format");
        if (!format.equals(String.valueOf(VERSION))) {
            throw new IllegalArgumentException("format " + format + " is not supported (expected " + VERSION + ")");
        }
        String flag = require(kv, "flag");
        Optional<VinRequest> request;
        switch (flag) {
            case "set" -> request = Optional.of(new VinRequest(
                    parseReason(require(kv, "flag.reason")), parseInstant(kv, "flag.since")));
            case "clear" -> request = Optional.empty();
            default -> throw new IllegalArgumentException("flag '" + flag + "' is neither set nor clear");
        }
        Optional<BoundIdentity> bound = Optional.empty();
        if (kv.containsKey("bound.vin")) {
            bound = Optional.of(new BoundIdentity(require(kv, "bound.vin"), require(kv, "bound.imsi"),
                    require(kv, "bound.iccid"), require(kv, "bound.imei"), parseInstant(kv, "bound.at")));
        }
        return new TerminalState(request, bound);
    }

    private static String require(Map<String, String> kv, String key) {
        String v = kv.get(key);
        if (v == null) {
            throw new IllegalArgumentException("key '" + key + "' missing");
        }
        return v;
    }

    private static FlagReason parseReason(String s) {
        try {
            return FlagReason.valueOf(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("flag.reason '" + s + "' is not a known reason", e);
        }
    }

    private static Instant parseInstant(Map<String, String> kv, String key) {
        String s = require(kv, key);
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(key + " '" + s + "' is not an ISO-8601 instant", e);
        }
    }

    private static long crc(byte[] bytes, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, length);
        return crc.getValue();
    }
}
