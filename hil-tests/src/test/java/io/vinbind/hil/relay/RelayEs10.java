package io.vinbind.hil.relay;

import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.bpp.Segment;
import io.vinbind.esim.es10.StatusWord;
import io.vinbind.esim.es10.StoreData;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.protocol.BatchOutcome;
import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.StopRule;
import io.vinbind.server.relay.RelaySession;
import io.vinbind.server.relay.RelayTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * ES10 for a server-side LPA, carried in relay batches: each ES10 request is one batch of its STORE DATA blocks
 * (SGP.22 §5.7.2; the terminal joins GET RESPONSE rounds), a bound profile package goes as few batches as the limits
 * allow, each stopping at an error status word or at the ProfileInstallationResult (BF37). CLA carries channel 0: the
 * terminal puts its channel in. Written for the tests.
 */
final class RelayEs10 {

    /** The relay failed or refused: the batch's result says how. */
    static final class RelayFailure extends Exception {
        final EsimResult result;

        RelayFailure(String what, EsimResult result) {
            super(what + ": batch " + result.requestId() + " " + result.outcome() + "/" + result.reason() + " ("
                + result.detail() + ")");
            this.result = result;
        }
    }

    /** STORE DATA blocks per batch of a bound profile package: the payload stays below the batch limit. */
    static final int BPP_BLOCKS_PER_BATCH = 200;

    final RelaySession session;
    final int blockSize;
    long storeDataBlocks;
    long bppBlocks;
    long bppNanos;
    int bppBatches;

    RelayEs10(RelaySession session, int blockSize) {
        this.session = session;
        this.blockSize = blockSize;
    }

    /** One ES10 request, one batch; the response's DER. */
    byte[] send(byte[] request) throws RelayFailure, RelayTimeoutException, InterruptedException {
        return send(request, ChannelHandling.KEEP);
    }

    byte[] send(byte[] request, ChannelHandling channel) throws RelayFailure, RelayTimeoutException,
            InterruptedException {
        List<byte[]> commands = StoreData.commands(0, request, blockSize);
        EsimResult r = session.run(commands, StopRule.ERROR_STATUS, channel);
        if (r.outcome() != BatchOutcome.COMPLETED) {
            throw new RelayFailure("ES10 request", r);
        }
        storeDataBlocks += commands.size();
        byte[] last = r.responseBytes().get(r.responses().size() - 1);
        int sw = StoreData.statusWord(last);
        if (sw != StatusWord.OK) {
            throw new RelayFailure("ES10 request answered " + StatusWord.hex(sw), r);
        }
        return StoreData.data(last);
    }

    /** The batch this session sends next for {@code request} (to send it again by hand). */
    EsimBatch peek(byte[] request) {
        return session.next(StoreData.commands(0, request, blockSize), StopRule.ERROR_STATUS, ChannelHandling.KEEP);
    }

    /** Loads a bound profile package: each segment its own STORE DATA sequence, in batches; stops at the BF37. */
    ProfileInstallationResult load(BoundProfilePackage bpp) throws RelayFailure, RelayTimeoutException,
            InterruptedException {
        List<byte[]> all = new ArrayList<>();
        for (Segment s : bpp.segments()) {
            all.addAll(StoreData.commands(0, s.bytes(), blockSize));
        }
        long start = System.nanoTime();
        for (int from = 0; from < all.size(); from += BPP_BLOCKS_PER_BATCH) {
            List<byte[]> chunk = all.subList(from, Math.min(all.size(), from + BPP_BLOCKS_PER_BATCH));
            EsimResult r = session.run(chunk, StopRule.ERROR_STATUS_OR_INSTALLATION_RESULT, ChannelHandling.KEEP);
            bppBatches++;
            if (!r.outcome().ran() || r.outcome() == BatchOutcome.FAILED) {
                throw new RelayFailure("bound profile package", r);
            }
            bppBlocks += r.responses().size();
            storeDataBlocks += r.responses().size();
            for (byte[] resp : r.responseBytes()) {
                byte[] data = StoreData.data(resp);
                if (data.length > 1 && (data[0] & 0xFF) == 0xBF && (data[1] & 0xFF) == 0x37) {
                    bppNanos = System.nanoTime() - start;
                    return ProfileInstallationResult.decode(data);
                }
            }
            if (r.outcome() == BatchOutcome.STOPPED) {
                throw new RelayFailure("bound profile package", r);
            }
        }
        throw new IllegalStateException("no ProfileInstallationResult after all " + all.size() + " blocks");
    }
}
