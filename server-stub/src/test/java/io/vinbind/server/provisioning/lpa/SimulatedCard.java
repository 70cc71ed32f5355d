package io.vinbind.server.provisioning.lpa;

import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.es10.StatusWord;
import io.vinbind.esim.es10.StoreData;
import io.vinbind.esim.euicc.EuiccSimulator;
import io.vinbind.protocol.BatchOutcome;
import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.RelayReason;
import io.vinbind.protocol.StopRule;
import io.vinbind.server.relay.CardLink;
import io.vinbind.server.relay.RelayTimeoutException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.IntPredicate;

/**
 * A terminal's card in the test's JVM: a {@link CardLink} that does what the terminal daemon does with a batch
 * (terminal-core RelayService) on the eUICC simulator's APDU interface — a logical channel to the ISD-R opened with
 * MANAGE CHANNEL and SELECT when none is open, the channel put into each CLA, 61xx followed with GET RESPONSE and the
 * data joined, the stop rules, CLOSE and CLOSE_AND_REFRESH. Faults: a call that times out (nothing reaches the card),
 * an answer changed on the way back.
 */
public final class SimulatedCard implements CardLink {

    private final EuiccSimulator euicc;
    private final String terminalId;
    private int channel = -1;
    private int calls;
    /** Calls (from 1) that time out before reaching the card. */
    public volatile IntPredicate timeoutAt = n -> false;
    /** Changes the result of a call (call number, result) on its way to the LPA. */
    volatile BiFunction<Integer, EsimResult, EsimResult> tamper = (n, r) -> r;
    /** Batches that reached the card, and the stop rules they carried. */
    final List<StopRule> ran = new ArrayList<>();

    public SimulatedCard(EuiccSimulator euicc, String terminalId) {
        this.euicc = euicc;
        this.terminalId = terminalId;
    }

    @Override
    public String terminalId() {
        return terminalId;
    }

    /** Calls so far (each {@link #run}, timed out or not). */
    public synchronized int calls() {
        return calls;
    }

    /** The card was reset (power loss): its channels are gone. */
    public synchronized void reset() {
        euicc.reset();
        channel = -1;
    }

    @Override
    public synchronized EsimResult run(List<byte[]> commands, StopRule stopOn, ChannelHandling handling)
            throws RelayTimeoutException {
        int n = ++calls;
        String id = "sim." + n;
        if (timeoutAt.test(n)) {
            throw new RelayTimeoutException("batch " + id + " to terminal " + terminalId + ": no result (test fault)");
        }
        ran.add(stopOn);
        if (channel < 0) {
            byte[] open = euicc.transmit(new byte[] {0x00, 0x70, 0x00, 0x00, 0x01});
            if (StoreData.statusWord(open) != StatusWord.OK || open.length != 3) {
                return result(n, BatchOutcome.REFUSED, RelayReason.CARD_ABSENT, List.of(), "MANAGE CHANNEL failed");
            }
            int ch = open[0] & 0xFF;
            byte[] select = new byte[5 + Es10Client.ISD_R_AID.length];
            select[0] = (byte) ch;
            select[1] = (byte) 0xA4;
            select[2] = 0x04;
            select[4] = (byte) Es10Client.ISD_R_AID.length;
            System.arraycopy(Es10Client.ISD_R_AID, 0, select, 5, Es10Client.ISD_R_AID.length);
            if (StoreData.statusWord(euicc.transmit(select)) != StatusWord.OK) {
                euicc.transmit(new byte[] {0x00, 0x70, (byte) 0x80, (byte) ch, 0x00});
                return result(n, BatchOutcome.REFUSED, RelayReason.NOT_AN_EUICC, List.of(), "6A82");
            }
            channel = ch;
        }
        List<byte[]> responses = new ArrayList<>();
        BatchOutcome outcome = BatchOutcome.COMPLETED;
        RelayReason reason = RelayReason.NONE;
        for (int i = 0; i < commands.size(); i++) {
            byte[] apdu = commands.get(i).clone();
            apdu[0] = (byte) StoreData.cla(channel);
            byte[] r = euicc.transmit(apdu);
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            while ((StoreData.statusWord(r) & 0xFF00) == StatusWord.MORE_DATA) {
                data.write(r, 0, r.length - 2);
                r = euicc.transmit(StoreData.getResponse(channel, StoreData.statusWord(r) & 0xFF));
            }
            data.write(r, 0, r.length);
            byte[] response = data.toByteArray();
            responses.add(response);
            int sw1 = response[response.length - 2] & 0xFF;
            if (sw1 != 0x90 && sw1 != 0x91 && i < commands.size() - 1) {
                outcome = BatchOutcome.STOPPED;
                reason = RelayReason.STATUS_WORD;
                break;
            }
            if (stopOn == StopRule.ERROR_STATUS_OR_INSTALLATION_RESULT && i < commands.size() - 1 && response.length > 3
                && (response[0] & 0xFF) == 0xBF && (response[1] & 0xFF) == 0x37) {
                outcome = BatchOutcome.STOPPED;
                reason = RelayReason.INSTALLATION_RESULT;
                break;
            }
        }
        if (handling != ChannelHandling.KEEP) {
            euicc.transmit(new byte[] {0x00, 0x70, (byte) 0x80, (byte) channel, 0x00});
            channel = -1;
            if (handling == ChannelHandling.CLOSE_AND_REFRESH && outcome == BatchOutcome.COMPLETED) {
                euicc.refresh();
            }
        }
        return tamper.apply(n, result(n, outcome, reason, responses, ""));
    }

    private EsimResult result(int n, BatchOutcome outcome, RelayReason reason, List<byte[]> responses, String detail) {
        return new EsimResult(Protocol.VERSION, "sim." + n, terminalId, "sim", n - 1, outcome, reason,
            responses.stream().map(HexFormat.of().withUpperCase()::formatHex).toList(), detail);
    }

    /** {@code r} with its last response replaced by {@code hex}. */
    static EsimResult withLastResponse(EsimResult r, String hex) {
        List<String> responses = new ArrayList<>(r.responses());
        responses.set(responses.size() - 1, hex);
        return new EsimResult(r.version(), r.requestId(), r.terminalId(), r.session(), r.sequence(), r.outcome(),
            r.reason(), responses, r.detail());
    }
}
