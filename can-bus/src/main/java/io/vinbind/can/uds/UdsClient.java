package io.vinbind.can.uds;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanException;
import io.vinbind.can.Hex;
import io.vinbind.can.isotp.IsoTpChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * A UDS (ISO 14229-1) tester for one ECU over ISO-TP. Requests are sequential; use one client per thread
 * or synchronise.
 *
 * <pre>{@code
 * try (CanChannel can = CanChannels.open("slcan:/dev/ttyACM0@500000")) {
 *     UdsClient uds = UdsClient.over(can, UdsClientConfig.defaults());   // 0x740 -> 0x748
 *     String vin = uds.readVin();
 * }
 * }</pre>
 */
public final class UdsClient {

    /** VIN data identifier (ISO 14229-1, Annex C.1: VINDataIdentifier). */
    public static final int DID_VIN = 0xF190;
    /** A VIN has 17 characters (ISO 3779). */
    public static final int VIN_LENGTH = 17;

    private final IsoTpChannel isoTp;
    private final UdsClientConfig config;

    public UdsClient(IsoTpChannel isoTp, UdsClientConfig config) {
        this.isoTp = Objects.requireNonNull(isoTp, "isoTp");
        this.config = Objects.requireNonNull(config, "config");
    }

    /** A client over its own ISO-TP link on {@code channel} (sets the channel's filters to the response id). */
    public static UdsClient over(CanChannel channel, UdsClientConfig config) throws CanException {
        return new UdsClient(new IsoTpChannel(channel, config.isoTp()), config);
    }

    public UdsClientConfig config() {
        return config;
    }

    /**
     * Sends a request and waits for its final response. Frames still queued from an earlier request (a late
     * answer after a timeout) are discarded first. Follows NRC 0x78: the first answer must start
     * within P2, each later one within P2* of the previous 0x78, and all within the overall timeout.
     *
     * @return the positive or negative (other than 0x78) response
     * @throws UdsTimeoutException  naming the timer that ran out and how many 0x78 arrived
     * @throws UdsProtocolException when the answer belongs to another service or is malformed
     * @throws UdsException         when ISO-TP or the transport fails
     */
    public UdsResponse request(byte[] request) throws UdsException {
        byte[] req = request.clone();
        if (req.length == 0) {
            throw new IllegalArgumentException("UDS request is empty");
        }
        int sid = req[0] & 0xFF;
        String what = describe(req);
        long start = System.nanoTime();
        long overallDeadline = start + config.overall().toNanos();
        try {
            int stale = isoTp.discardPending();
            if (stale > 0) {
                Logger.info("{}: discarded {} stale frame(s) from {} before sending", what, stale,
                        config.addressing().response());
            }
            isoTp.send(req);
            Duration wait = config.p2();
            UdsTimeoutException.Timer timer = UdsTimeoutException.Timer.P2;
            int pending = 0;
            while (true) {
                long overallLeft = overallDeadline - System.nanoTime();
                boolean overallBinds = overallLeft < wait.toNanos();
                Duration slice = overallBinds ? Duration.ofNanos(Math.max(0, overallLeft)) : wait;
                Optional<byte[]> answer = isoTp.receive(slice);
                if (answer.isEmpty()) {
                    UdsTimeoutException.Timer ran = overallBinds ? UdsTimeoutException.Timer.OVERALL : timer;
                    throw new UdsTimeoutException(what + ": no response within " + (overallBinds
                            ? "the overall " + config.overall().toMillis() + " ms"
                            : ran + " " + wait.toMillis() + " ms") + (pending > 0 ? " after " + pending
                            + " response-pending (0x78)" : "") + " from " + config.addressing().response(), ran, pending);
                }
                UdsResponse response = parse(sid, answer.get(), what);
                if (response instanceof NegativeResponse nr && nr.isResponsePending()) {
                    pending++;
                    Logger.debug("{}: response pending #{}, waiting up to P2* {} ms", what, pending, config.p2Star().toMillis());
                    wait = config.p2Star();
                    timer = UdsTimeoutException.Timer.P2_STAR;
                    continue;
                }
                Logger.debug("{}: {} after {} ms", what, response, (System.nanoTime() - start) / 1_000_000);
                return response;
            }
        } catch (UdsException e) {
            throw e;
        } catch (CanException e) {
            throw new UdsException(what + " to " + config.addressing().request() + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * ReadDataByIdentifier ({@code 22 DIDhi DIDlo}) for one DID.
     *
     * @return the DID's value, or the ECU's negative response
     * @throws UdsProtocolException when the positive response echoes another DID or is too short
     */
    public DidReadResult readDataByIdentifier(int did) throws UdsException {
        if (did < 0 || did > 0xFFFF) {
            throw new IllegalArgumentException("DID must be 0..0xFFFF, got " + did);
        }
        byte[] req = {(byte) UdsService.READ_DATA_BY_IDENTIFIER.id(), (byte) (did >>> 8), (byte) did};
        UdsResponse response = request(req);
        if (response instanceof NegativeResponse nr) {
            return nr;
        }
        byte[] params = ((PositiveResponse) response).parameters();
        if (params.length < 2) {
            throw new UdsProtocolException(describe(req) + ": positive response 62 " + Hex.spaced(params)
                    + " is too short to echo the DID");
        }
        int echoed = (params[0] & 0xFF) << 8 | (params[1] & 0xFF);
        if (echoed != did) {
            throw new UdsProtocolException(String.format("%s: positive response is for DID 0x%04X: 62 %s",
                    describe(req), echoed, Hex.spaced(params)));
        }
        return new DidValue(did, Arrays.copyOfRange(params, 2, params.length));
    }

    /**
     * Reads DID 0xF190 and returns the 17-character VIN. Trailing 0x00, 0x20 and 0xFF bytes (padding some
     * ECUs add) are stripped first. The check digit is not checked here (VIN rules live with the terminal).
     *
     * @throws UdsNegativeResponseException when the ECU refuses
     * @throws UdsProtocolException         when the value is not 17 printable ASCII characters, naming
     *                                      the length and bytes
     */
    public String readVin() throws UdsException {
        DidReadResult result = readDataByIdentifier(DID_VIN);
        if (result instanceof NegativeResponse nr) {
            throw new UdsNegativeResponseException("ReadDataByIdentifier 0xF190 (VIN)", nr);
        }
        byte[] raw = ((DidValue) result).value();
        int end = raw.length;
        while (end > 0 && isPadding(raw[end - 1])) {
            end--;
        }
        byte[] vin = Arrays.copyOf(raw, end);
        if (vin.length != VIN_LENGTH) {
            throw new UdsProtocolException("DID 0xF190 (VIN) has " + vin.length + " bytes after stripping padding, "
                    + VIN_LENGTH + " expected: " + Hex.spaced(raw));
        }
        for (byte b : vin) {
            if (b < 0x21 || b > 0x7E) {
                throw new UdsProtocolException("DID 0xF190 (VIN) contains a non-printable byte: " + Hex.spaced(raw));
            }
        }
        return new String(vin, StandardCharsets.US_ASCII);
    }

    private static boolean isPadding(byte b) {
        return b == 0x00 || b == 0x20 || b == (byte) 0xFF;
    }

    private static UdsResponse parse(int sid, byte[] answer, String what) throws UdsProtocolException {
        int first = answer[0] & 0xFF;
        if (first == UdsService.NEGATIVE_RESPONSE_SID) {
            if (answer.length < 3) {
                throw new UdsProtocolException(what + ": negative response too short: " + Hex.spaced(answer));
            }
            int refused = answer[1] & 0xFF;
            if (refused != sid) {
                throw new UdsProtocolException(String.format("%s: negative response for service 0x%02X: %s",
                        what, refused, Hex.spaced(answer)));
            }
            return new NegativeResponse(sid, answer[2] & 0xFF);
        }
        if (first != sid + UdsService.POSITIVE_RESPONSE_OFFSET) {
            throw new UdsProtocolException(String.format("%s: expected response SID 0x%02X, got %s", what,
                    sid + UdsService.POSITIVE_RESPONSE_OFFSET, Hex.spaced(answer)));
        }
        return new PositiveResponse(sid, Arrays.copyOfRange(answer, 1, answer.length));
    }

    private static String describe(byte[] req) {
        int sid = req[0] & 0xFF;
        if (sid == UdsService.READ_DATA_BY_IDENTIFIER.id() && req.length == 3) {
            return String.format("ReadDataByIdentifier 0x%02X%02X", req[1] & 0xFF, req[2] & 0xFF);
        }
        return UdsService.fromId(sid).map(s -> s.name() + " (" + Hex.spaced(req) + ")")
                .orElse("request " + Hex.spaced(req));
    }
}
