package io.vinbind.modem.sim;

import io.vinbind.modem.link.SerialLink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * What lpac's AT APDU drivers ({@code driver/apdu/at_etsi.c}, {@code at_etsi_csim.c}, {@code at_cmd_unix.c})
 * put on the wire and how they read the answers, rewritten for the tests from their behaviour: every command is
 * the text followed by CR LF; an answer is read line by line up to LF, a trailing CR cut, empty lines skipped, until
 * exactly {@code OK} (success) or exactly {@code ERROR} (failure) — nothing else ends it, not even
 * {@code +CME ERROR}. A line starting with the expected prefix ({@code "+CCHO: "}) is the value, leading spaces cut;
 * failing that, the last line that does not start with {@code AT} (the echo) — lpac's fallback for modems that
 * answer {@code AT+CCHO} with a bare number. APDUs go out in lower-case hex; {@code +CGLA:}/{@code +CSIM:} answers are
 * split at the comma and unquoted. Unlike lpac (which polls forever) every read here is bounded.
 */
public final class LpacAtDriver {

    /** One command and its answer: the bytes written, the bytes read, lpac's verdict and value. */
    public record Exchange(String sent, String received, boolean ok, String value) {
    }

    private final SerialLink link;
    private final Duration bound;
    private final StringBuilder pending = new StringBuilder();

    public LpacAtDriver(SerialLink link, Duration bound) {
        this.link = link;
        this.bound = bound;
    }

    /** {@code at_emit_command} then {@code at_expect(expected)}. */
    public Exchange command(String text, String expected) throws IOException {
        String sent = text + "\r\n";
        link.write(sent.getBytes(StandardCharsets.US_ASCII));
        StringBuilder received = new StringBuilder();
        String found = null;
        String lastContent = null;
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            int nl = pending.indexOf("\n");
            if (nl < 0) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("no OK/ERROR within " + bound.toMillis() + " ms after " + text
                            + " (lpac would wait forever); received " + escape(received.toString()));
                }
                byte[] buf = new byte[512];
                int n = link.read(buf, Duration.ofMillis(50));
                String chunk = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
                received.append(chunk);
                pending.append(chunk);
                continue;
            }
            String line = pending.substring(0, nl);
            pending.delete(0, nl + 1);
            int cr = line.indexOf('\r');
            if (cr >= 0) {
                line = line.substring(0, cr);
            }
            if (line.isEmpty()) {
                continue;
            }
            if (line.equals("ERROR")) {
                return new Exchange(sent, received.toString(), false, null);
            }
            if (line.equals("OK")) {
                return new Exchange(sent, received.toString(), true, found != null ? found : lastContent);
            }
            if (expected != null && line.startsWith(expected)) {
                found = line.substring(expected.length()).replaceFirst("^ +", "");
            } else if (found == null && !line.toUpperCase(Locale.ROOT).startsWith("AT")) {
                lastContent = line;
            }
        }
    }

    /** {@code AT+CCHO="<aid>"}: the channel identifier lpac keeps (a string), or null on failure. */
    public String openLogicalChannel(String aidHex) throws IOException {
        Exchange e = command("AT+CCHO=\"" + aidHex.toLowerCase(Locale.ROOT) + "\"", "+CCHO: ");
        return e.ok() ? e.value() : null;
    }

    /** {@code AT+CGLA=<id>,<len>,"<hex>"}: the response APDU, or null on failure. */
    public byte[] transmitCgla(String channel, byte[] apdu) throws IOException {
        String hex = HexFormat.of().formatHex(apdu); // lower case, as lpac's bin2hex
        return parse(command("AT+CGLA=" + channel + "," + apdu.length * 2 + ",\"" + hex + "\"", "+CGLA: "));
    }

    /** {@code AT+CSIM=<len>,"<hex>"}: the response APDU, or null on failure. */
    public byte[] transmitCsim(byte[] apdu) throws IOException {
        String hex = HexFormat.of().formatHex(apdu);
        return parse(command("AT+CSIM=" + apdu.length * 2 + ",\"" + hex + "\"", "+CSIM: "));
    }

    private static byte[] parse(Exchange e) {
        if (!e.ok() || e.value() == null) {
            return null;
        }
        String[] parts = e.value().split(",");
        if (parts.length < 2) {
            return null;
        }
        String r = parts[1];
        if (r.length() >= 2 && r.startsWith("\"") && r.endsWith("\"")) {
            r = r.substring(1, r.length() - 1);
        }
        try {
            return HexFormat.of().parseHex(r);
        } catch (IllegalArgumentException bad) {
            return null;
        }
    }

    public static String escape(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n");
    }
}
