package io.vinbind.server.relay;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.StopRule;
import io.vinbind.server.BindingServer;
import io.vinbind.server.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server that stops while its eSIM relay waits for a terminal that never answers (powered OFF, three tries of
 * 20 s each) ends that wait at once with a typed timeout naming the stop, refuses further sends, and its close
 * does not wait for the tries to run out.
 */
@Timeout(60)
class RelayStopIT {

    @TempDir
    Path dir;

    @Test
    void a_wait_for_a_silent_terminal_ends_when_the_server_stops() throws Exception {
        BindingServer server = BindingServer.start(ServerConfig.ephemeral(dir));
        EsimRelay relay;
        CompletableFuture<Object> waiting;
        long closeMs;
        try {
            relay = server.relay();
            EsimBatch batch = new EsimBatch(2, "stop.0", "T-powered-off", "stop", 0, "A0000005591010FFFFFFFF8900000100",
                ChannelHandling.KEEP, StopRule.ERROR_STATUS, 1000, List.of("80E2910003BF2000"));
            waiting = CompletableFuture.supplyAsync(() -> {
                try {
                    return relay.send(batch, Duration.ofSeconds(20), 3);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (relay.publishedBatches() < 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(relay.publishedBatches() >= 1, "the batch went out and its result is awaited");
        } finally {
            long t0 = System.nanoTime();
            server.close();
            closeMs = (System.nanoTime() - t0) / 1_000_000;
        }
        ExecutionException e = assertThrows(ExecutionException.class, () -> waiting.get(5, TimeUnit.SECONDS));
        RelayTimeoutException timeout = assertInstanceOf(RelayTimeoutException.class, e.getCause());
        assertTrue(timeout.getMessage().contains("the server is stopping"), timeout.getMessage());
        assertTrue(closeMs < 15_000, "the close did not wait for the tries: " + closeMs + " ms");
        EsimBatch later = new EsimBatch(2, "stop.1", "T-powered-off", "stop", 1, "A0000005591010FFFFFFFF8900000100",
            ChannelHandling.KEEP, StopRule.ERROR_STATUS, 1000, List.of("80E2910003BF2000"));
        RelayTimeoutException refused = assertThrows(RelayTimeoutException.class,
            () -> relay.send(later, Duration.ofSeconds(20), 3));
        assertTrue(refused.getMessage().contains("not sent"), refused.getMessage());
    }
}
