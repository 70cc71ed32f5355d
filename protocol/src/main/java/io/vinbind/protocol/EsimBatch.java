package io.vinbind.protocol;

import java.util.HexFormat;
import java.util.List;

/**
 * Server → terminal on {@code vinbind/v2/{terminalId}/esim/batch}: command APDUs for the terminal's eUICC, relayed
 * by a server that runs the LPA logic for a terminal without one (SGP.22 §3.1.3 with ES10 carried over the trusted
 * channel instead of inside the device). The terminal sends them in order on a logical channel to {@link #aid}
 * (AT+CCHO/CGLA, or AT+CSIM, 3GPP TS 27.007 §8.17/§8.43–8.46), follows 61xx with GET RESPONSE itself, stops as
 * {@link #stopOn} says and answers with an {@link EsimResult} carrying the same {@code requestId}.
 *
 * <p>At most once on the card: the terminal stores the result under the {@code requestId} before answering, and a
 * batch it sees again (a QoS 1 redelivery, a server retry) is answered from the store, never sent to the card
 * again. Batches of one {@link #session} run in {@link #sequence} order: 0 opens the session, each next batch is
 * the previous one's sequence + 1.
 *
 * @param version protocol version
 * @param requestId the batch id, unique per batch (a retry of the same batch reuses it)
 * @param terminalId the terminal addressed; must equal the topic's
 * @param session the relay session (one ES10 conversation on one channel, e.g. one profile download)
 * @param sequence position of the batch in its session, from 0
 * @param aid the application the channel is opened to, hex (5–16 bytes, ISO/IEC 7816-4 §8.2.1.2; the ISD-R's
 *     is A0000005591010FFFFFFFF8900000100, SGP.22 §2.2.3)
 * @param channel what happens to the channel (see {@link ChannelHandling})
 * @param stopOn what ends the batch early
 * @param timeoutMs bound of the whole batch on the terminal, 1–{@value #MAX_TIMEOUT_MS} ms (the terminal may
 *     bound it lower)
 * @param apdus the command APDUs, hex, 1–{@value #MAX_APDUS} of them, each 4–{@value #MAX_APDU_BYTES} bytes; the
 *     CLA's channel bits are the terminal's business (it puts its channel number in)
 */
public record EsimBatch(int version, String requestId, String terminalId, String session, int sequence, String aid,
                        ChannelHandling channel, StopRule stopOn, int timeoutMs, List<String> apdus) implements Message {

    /** Most APDUs in one batch: a bound profile package of a few hundred STORE DATA blocks fits in a few batches. */
    public static final int MAX_APDUS = 256;
    /** Longest command APDU: header, Lc, 255 data bytes, Le (ISO/IEC 7816-4 §5.1, short length). */
    public static final int MAX_APDU_BYTES = 261;
    /** Longest batch the terminal accepts to run, 10 minutes. */
    public static final int MAX_TIMEOUT_MS = 600_000;

    public EsimBatch {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        if (session == null || !Identifiers.isRequestId(session)) {
            throw new InvalidFieldException("session", "session " + (session == null ? "is missing"
                : "'" + Identifiers.printable(session) + "' is not 1-64 characters from A-Z a-z 0-9 . _ : -"));
        }
        if (sequence < 0) {
            throw new InvalidFieldException("sequence", "sequence " + sequence + " is negative");
        }
        Hex.require("aid", aid, 5, 16);
        Checks.notNull(channel, "channel");
        Checks.notNull(stopOn, "stopOn");
        if (timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
            throw new InvalidFieldException("timeoutMs", "timeoutMs " + timeoutMs + " is not 1-" + MAX_TIMEOUT_MS);
        }
        Checks.notNull(apdus, "apdus");
        if (apdus.isEmpty() || apdus.size() > MAX_APDUS) {
            throw new InvalidFieldException("apdus", "apdus holds " + apdus.size() + " APDUs, allowed 1-" + MAX_APDUS);
        }
        for (int i = 0; i < apdus.size(); i++) {
            Hex.require("apdus[" + i + "]", apdus.get(i), 4, MAX_APDU_BYTES);
        }
        aid = aid.toUpperCase(java.util.Locale.ROOT);
        apdus = List.copyOf(apdus.stream().map(a -> a.toUpperCase(java.util.Locale.ROOT)).toList());
    }

    /** The APDUs as bytes (copies). */
    public List<byte[]> apduBytes() {
        return apdus.stream().map(HexFormat.of()::parseHex).toList();
    }

    /** The AID as bytes. */
    public byte[] aidBytes() {
        return HexFormat.of().parseHex(aid);
    }

    @Override
    public MessageType type() {
        return MessageType.ESIM_BATCH;
    }
}
