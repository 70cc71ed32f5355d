package io.vinbind.protocol;

import java.util.HexFormat;
import java.util.List;

/**
 * Terminal → server on {@code vinbind/v2/{terminalId}/esim/result}: what became of an {@link EsimBatch}.
 *
 * @param version protocol version
 * @param requestId the batch's requestId
 * @param terminalId the terminal (the topic's)
 * @param session the batch's session ({@code ""} only in a refusal of a batch that could not be read)
 * @param sequence the batch's sequence (0 when it could not be read)
 * @param outcome how it went
 * @param reason why; {@link RelayReason#NONE} exactly for {@link BatchOutcome#COMPLETED}
 * @param responses one response APDU per command that reached the card, in order, hex (data and SW1 SW2, the data
 *     of any GET RESPONSE rounds joined; 2–{@value #MAX_RESPONSE_BYTES} bytes); empty for a refusal
 * @param detail a short printable-ASCII explanation for people (at most {@value #MAX_DETAIL} characters; {@code ""}
 *     when there is nothing to add)
 */
public record EsimResult(int version, String requestId, String terminalId, String session, int sequence,
                         BatchOutcome outcome, RelayReason reason, List<String> responses, String detail)
        implements Message {

    /** Longest response the terminal reports: a GET RESPONSE chain of the largest ES10 answers fits. */
    public static final int MAX_RESPONSE_BYTES = 16 * 1024;
    public static final int MAX_DETAIL = 300;

    public EsimResult {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        Checks.notNull(outcome, "outcome");
        Checks.notNull(reason, "reason");
        if (!reason.fits(outcome)) {
            throw new InvalidFieldException("reason", "reason " + reason + " does not go with outcome " + outcome);
        }
        if (session == null || !(Identifiers.isRequestId(session) || (outcome == BatchOutcome.REFUSED && session.isEmpty()))) {
            throw new InvalidFieldException("session", "session " + (session == null ? "is missing"
                : "'" + Identifiers.printable(session) + "' is not 1-64 characters from A-Z a-z 0-9 . _ : -"));
        }
        if (sequence < 0) {
            throw new InvalidFieldException("sequence", "sequence " + sequence + " is negative");
        }
        Checks.notNull(responses, "responses");
        if (responses.size() > EsimBatch.MAX_APDUS) {
            throw new InvalidFieldException("responses", "responses holds " + responses.size() + ", at most "
                + EsimBatch.MAX_APDUS);
        }
        if (outcome == BatchOutcome.REFUSED && !responses.isEmpty()) {
            throw new InvalidFieldException("responses", "a REFUSED batch reached the card with no APDU, so it has "
                + "no responses, got " + responses.size());
        }
        if ((outcome == BatchOutcome.COMPLETED || outcome == BatchOutcome.STOPPED) && responses.isEmpty()) {
            throw new InvalidFieldException("responses", "a " + outcome + " batch has at least one response");
        }
        for (int i = 0; i < responses.size(); i++) {
            Hex.require("responses[" + i + "]", responses.get(i), 2, MAX_RESPONSE_BYTES);
        }
        Checks.notNull(detail, "detail");
        if (detail.length() > MAX_DETAIL || !detail.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
            throw new InvalidFieldException("detail", "detail must be at most " + MAX_DETAIL
                + " printable ASCII characters, got '" + Identifiers.printable(detail) + "'");
        }
        responses = List.copyOf(responses.stream().map(s -> s.toUpperCase(java.util.Locale.ROOT)).toList());
    }

    /** A refusal: nothing reached the card. */
    public static EsimResult refused(EsimBatch batch, RelayReason reason, String detail) {
        return new EsimResult(Protocol.VERSION, batch.requestId(), batch.terminalId(), batch.session(),
            batch.sequence(), BatchOutcome.REFUSED, reason, List.of(), printableDetail(detail));
    }

    /** The result of a batch that ran (responses as bytes). */
    public static EsimResult ran(EsimBatch batch, BatchOutcome outcome, RelayReason reason, List<byte[]> responses,
                                 String detail) {
        return new EsimResult(Protocol.VERSION, batch.requestId(), batch.terminalId(), batch.session(),
            batch.sequence(), outcome, reason, responses.stream().map(HexFormat.of().withUpperCase()::formatHex).toList(),
            printableDetail(detail));
    }

    /** {@code text} cut to {@value #MAX_DETAIL} printable ASCII characters (others written {@code \\uXXXX}). */
    public static String printableDetail(String text) {
        String s = Identifiers.escaped(text == null ? "" : text);
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.length() <= MAX_DETAIL ? sb.toString() : sb.substring(0, MAX_DETAIL);
    }

    /** The responses as bytes (copies). */
    public List<byte[]> responseBytes() {
        return responses.stream().map(HexFormat.of()::parseHex).toList();
    }

    @Override
    public MessageType type() {
        return MessageType.ESIM_RESULT;
    }
}
