package io.vinbind.server.relay;

import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.StopRule;
import java.util.List;

/**
 * A terminal's card as the server-side LPA reaches it: runs of APDUs carried as relay batches ({@link RelaySession}
 * over MQTT in production; an in-process card in unit tests). The LPA builds the APDUs (ES10, SGP.22 §5.7) and reads
 * the answers; the link only carries them and says how the run ended.
 */
public interface CardLink {

    /** The terminal whose card this is. */
    String terminalId();

    /**
     * Runs {@code commands} on the card as one batch, stopping as {@code stopOn} says.
     *
     * @return the terminal's result; a refusal (offline, powered OFF, busy) or a failure on the card is a value
     * @throws RelayTimeoutException the terminal did not answer in the link's bound
     * @throws InterruptedException interrupted while waiting
     */
    EsimResult run(List<byte[]> commands, StopRule stopOn, ChannelHandling channel)
        throws RelayTimeoutException, InterruptedException;
}
