package io.vinbind.server.provisioning.lpa;

import io.vinbind.esim.bpp.Segment;
import io.vinbind.esim.es10.StatusWord;
import io.vinbind.esim.es10.StoreData;
import io.vinbind.log.Untrusted;
import io.vinbind.protocol.BatchOutcome;
import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.RelayReason;
import io.vinbind.protocol.StopRule;
import io.vinbind.server.relay.CardLink;
import io.vinbind.server.relay.RelayTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * ES10 (SGP.22 §5.7) over a {@link CardLink}: each request is one batch of its STORE DATA blocks (§5.7.2, CLA on
 * channel 0: the terminal puts its own channel in and joins the GET RESPONSE rounds of 61xx); a bound profile
 * package goes as few batches as the batch limits allow, each segment (§2.5.5) its own STORE DATA sequence, a batch
 * stopping at an error status word or at the ProfileInstallationResult (BF37). Every answer is checked: the outcome,
 * the number of responses, each block's status word, no data where none belongs.
 */
final class CardEs10 {

    /** Bytes a batch of the package may carry: the protocol's limit less room for the JSON around the APDUs. */
    static final int MAX_BPP_BATCH_BYTES = Protocol.MAX_BATCH_BYTES - 8 * 1024;
    /** How often a batch the terminal refused for a busy modem (nothing reached the card) is sent again. */
    static final int BUSY_ATTEMPTS = 3;
    static final long BUSY_PAUSE_MILLIS = 500;

    /** A bound profile package loaded up to the eUICC's answer. */
    record Loaded(byte[] installationResult, int blocks, int batches) {
    }

    private final CardLink card;
    private final int blockSize;

    CardEs10(CardLink card, int blockSize) {
        this.card = card;
        this.blockSize = blockSize;
    }

    String terminalId() {
        return card.terminalId();
    }

    /** One ES10 request, one batch; the response's DER (empty when the card sent none). */
    byte[] send(String step, byte[] request, ChannelHandling channel) throws LpaException, RelayTimeoutException,
            InterruptedException {
        return sendAll(step, List.of(request), channel).get(0);
    }

    /** Several ES10 requests in one batch (each its own STORE DATA sequence); the answers in order. */
    List<byte[]> sendAll(String step, List<byte[]> requests, ChannelHandling channel) throws LpaException,
            RelayTimeoutException, InterruptedException {
        List<byte[]> commands = new ArrayList<>();
        List<Integer> lastBlocks = new ArrayList<>();
        for (byte[] r : requests) {
            commands.addAll(StoreData.commands(0, r, blockSize));
            lastBlocks.add(commands.size() - 1);
        }
        if (commands.size() > EsimBatch.MAX_APDUS) {
            throw new LpaException(step, null, null, false, "BAD_REQUEST", "request needs " + commands.size()
                + " STORE DATA blocks of " + blockSize + " bytes, more than a batch holds (" + EsimBatch.MAX_APDUS + ")",
                null, null);
        }
        EsimResult r = run(step, commands, StopRule.ERROR_STATUS, channel);
        List<byte[]> responses = r.responseBytes();
        if (r.outcome() == BatchOutcome.STOPPED) {
            int sw = StoreData.statusWord(responses.get(responses.size() - 1));
            throw card(step, "block " + (responses.size() - 1) + " of " + commands.size() + " answered "
                + StatusWord.hex(sw), sw);
        }
        if (responses.size() != commands.size()) {
            throw malformed(step, "the terminal reported " + responses.size() + " responses to " + commands.size()
                + " commands", null);
        }
        List<byte[]> answers = new ArrayList<>();
        for (int i = 0; i < responses.size(); i++) {
            byte[] resp = responses.get(i);
            int sw = StoreData.statusWord(resp);
            if (!normal(sw)) {
                throw card(step, "block " + i + " of " + commands.size() + " answered " + StatusWord.hex(sw), sw);
            }
            if (lastBlocks.contains(i)) {
                answers.add(StoreData.data(resp));
            } else if (resp.length != 2) {
                throw malformed(step, "block " + i + " (not a command's last) answered " + (resp.length - 2)
                    + " bytes of data", null);
            }
        }
        return answers;
    }

    /**
     * Loads a package's segments; returns the BF37 the eUICC answered (normally to the last block, earlier when a
     * segment fails). Never sends a block after the one the BF37 answered.
     */
    Loaded load(String step, List<Segment> segments) throws LpaException, RelayTimeoutException,
            InterruptedException {
        List<byte[]> all = new ArrayList<>();
        for (Segment s : segments) {
            all.addAll(StoreData.commands(0, s.bytes(), blockSize));
        }
        int from = 0;
        int batches = 0;
        while (from < all.size()) {
            int to = from;
            int bytes = 0;
            while (to < all.size() && to - from < EsimBatch.MAX_APDUS && bytes + 2 * all.get(to).length + 3
                <= MAX_BPP_BATCH_BYTES) {
                bytes += 2 * all.get(to).length + 3;
                to++;
            }
            List<byte[]> chunk = all.subList(from, to);
            EsimResult r = run(step, chunk, StopRule.ERROR_STATUS_OR_INSTALLATION_RESULT, ChannelHandling.KEEP);
            batches++;
            List<byte[]> responses = r.responseBytes();
            if (responses.size() > chunk.size()) {
                throw malformed(step, "the terminal reported " + responses.size() + " responses to " + chunk.size()
                    + " commands", null);
            }
            for (int i = 0; i < responses.size(); i++) {
                byte[] resp = responses.get(i);
                int sw = StoreData.statusWord(resp);
                int block = from + i;
                if (!normal(sw)) {
                    throw card(step, "package block " + block + " of " + all.size() + " answered " + StatusWord.hex(sw),
                        sw);
                }
                if (resp.length > 2) {
                    byte[] data = StoreData.data(resp);
                    if ((data[0] & 0xFF) == 0xBF && data.length > 1 && (data[1] & 0xFF) == 0x37) {
                        if (i != responses.size() - 1) {
                            throw malformed(step, "the terminal went on after the ProfileInstallationResult of block "
                                + block, null);
                        }
                        return new Loaded(data, block + 1, batches);
                    }
                    throw malformed(step, "package block " + block + " answered " + data.length
                        + " bytes that are not a ProfileInstallationResult (tag " + hexTag(data) + ")", null);
                }
            }
            if (r.outcome() == BatchOutcome.STOPPED || responses.size() != chunk.size()) {
                throw malformed(step, "the batch of package blocks " + from + "-" + (to - 1) + " ended after "
                    + responses.size() + " blocks (" + r.reason() + ") without a result", null);
            }
            from = to;
        }
        throw new LpaException(step, null, null, false, "NO_INSTALLATION_RESULT", "all " + all.size()
            + " package blocks ran and the eUICC gave no ProfileInstallationResult", null, null);
    }

    /** Runs a batch; a refusal for a busy modem is sent again (nothing reached the card); other trouble is typed. */
    private EsimResult run(String step, List<byte[]> commands, StopRule stop, ChannelHandling channel)
            throws LpaException, RelayTimeoutException, InterruptedException {
        EsimResult r = null;
        for (int attempt = 1; attempt <= BUSY_ATTEMPTS; attempt++) {
            r = card.run(commands, stop, channel);
            if (r.outcome() != BatchOutcome.REFUSED || r.reason() != RelayReason.MODEM_BUSY || attempt == BUSY_ATTEMPTS) {
                break;
            }
            Thread.sleep(BUSY_PAUSE_MILLIS * attempt);
        }
        if (!r.terminalId().equals(card.terminalId())) {
            throw malformed(step, "a result from terminal " + Untrusted.escape(r.terminalId()) + " answered a batch to "
                + card.terminalId(), null);
        }
        String detail = r.detail().isEmpty() ? "" : " (" + Untrusted.escape(r.detail(), EsimResult.MAX_DETAIL) + ")";
        switch (r.outcome()) {
            case REFUSED -> {
                if (r.reason() == RelayReason.NOT_AN_EUICC) {
                    throw new LpaException(step, null, null, false, "NOT_AN_EUICC", "the terminal's card has no ISD-R"
                        + detail, null, null);
                }
                boolean retryable = r.reason() != RelayReason.MALFORMED_BATCH;
                throw new LpaException(step, null, null, retryable, "RELAY_REFUSED:" + r.reason(), "the terminal "
                    + "refused batch " + r.requestId() + ": " + r.reason() + detail, null, null);
            }
            case FAILED -> throw new LpaException(step, null, null, true, "RELAY_FAILED:" + r.reason(), "batch "
                + r.requestId() + " broke on the terminal after " + r.responses().size() + " of " + commands.size()
                + " APDUs: " + r.reason() + detail, null, null);
            default -> {
                if (r.responses().isEmpty()) {
                    throw malformed(step, "batch " + r.requestId() + " " + r.outcome() + " without responses", null);
                }
                return r;
            }
        }
    }

    /** 9000, or 91xx (ETSI TS 102 221 §10.2.1.1: normal ending with a proactive command pending). */
    static boolean normal(int sw) {
        return sw == StatusWord.OK || (sw & 0xFF00) == 0x9100;
    }

    static String hexTag(byte[] data) {
        return data.length == 0 ? "none" : data.length == 1 ? String.format("%02X", data[0])
            : String.format("%02X%02X", data[0], data[1]);
    }

    static LpaException card(String step, String message, int sw) {
        // 6F00 (technical problem, ISO/IEC 7816-4 §5.6) may pass; the others are the card's verdict on what it was sent
        boolean retryable = sw == StatusWord.TECHNICAL_PROBLEM;
        return new LpaException(step, null, null, retryable, "CARD:" + StatusWord.hex(sw), message,
            null, null);
    }

    static LpaException malformed(String step, String message, Throwable cause) {
        return new LpaException(step, null, null, false, "CARD_MALFORMED", message, null, cause);
    }
}
