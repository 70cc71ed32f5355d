package io.vinbind.server.relay;

import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.Protocol;
import io.vinbind.protocol.StopRule;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One relay session with one terminal: a run of batches on one channel to one AID, numbered from 0. Each batch's
 * requestId is {@code <session>.<sequence>}, so a retry of a batch (after a timeout, or after the terminal refused it
 * for a reason that went away, such as power OFF) is the same batch to the terminal's store. Not thread-safe: one
 * conversation.
 */
public final class RelaySession implements CardLink {

    private final EsimRelay relay;
    private final String terminalId;
    private final String session;
    private final String aid;
    private final Duration perTry;
    private final int attempts;
    private int sequence;
    private long apdus;
    private EsimBatch last;

    public RelaySession(EsimRelay relay, String terminalId, String session, byte[] aid, Duration perTry, int attempts) {
        this.relay = Objects.requireNonNull(relay, "relay");
        this.terminalId = Objects.requireNonNull(terminalId, "terminalId");
        this.session = Objects.requireNonNull(session, "session");
        this.aid = HexFormat.of().withUpperCase().formatHex(aid);
        this.perTry = Objects.requireNonNull(perTry, "perTry");
        this.attempts = attempts;
    }

    /** The batch this session would send next (for a retry after a refusal, or for tests). */
    public EsimBatch next(List<byte[]> commands, StopRule stopOn, ChannelHandling channel) {
        return new EsimBatch(Protocol.VERSION, session + "." + sequence, terminalId, session, sequence, aid, channel,
            stopOn, (int) Math.min(EsimBatch.MAX_TIMEOUT_MS, perTry.toMillis()),
            commands.stream().map(HexFormat.of().withUpperCase()::formatHex).toList());
    }

    /**
     * Sends the commands as the session's next batch and returns the result. The sequence moves on only when the batch
     * ran on the card ({@link io.vinbind.protocol.BatchOutcome#ran()}); after a refusal the same batch may be sent again
     * with {@link #run} once more.
     */
    @Override
    public EsimResult run(List<byte[]> commands, StopRule stopOn, ChannelHandling channel)
            throws RelayTimeoutException, InterruptedException {
        EsimBatch batch = next(commands, stopOn, channel);
        last = batch;
        EsimResult result = relay.send(batch, perTry, attempts);
        if (result.outcome().ran()) {
            sequence++;
            apdus += result.responses().size();
        }
        return result;
    }

    /** The batch {@link #run} sent last (null before the first). */
    public EsimBatch lastBatch() {
        return last;
    }

    public String id() {
        return session;
    }

    @Override
    public String terminalId() {
        return terminalId;
    }

    /** Batches that ran. */
    public int batches() {
        return sequence;
    }

    /** APDUs that reached the card. */
    public long apdus() {
        return apdus;
    }
}
