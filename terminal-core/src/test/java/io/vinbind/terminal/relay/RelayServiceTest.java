package io.vinbind.terminal.relay;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.protocol.BatchOutcome;
import io.vinbind.protocol.ChannelHandling;
import io.vinbind.protocol.EsimBatch;
import io.vinbind.protocol.EsimResult;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.RelayReason;
import io.vinbind.protocol.StopRule;
import io.vinbind.terminal.port.CardException;
import io.vinbind.terminal.port.CardPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayServiceTest {

    static final String T = "TBOX-1";
    static final String ISD_R = "A0000005591010FFFFFFFF8900000100";

    @TempDir
    Path dataDir;

    final FakeCard card = new FakeCard();
    final LinkedBlockingQueue<EsimResult> published = new LinkedBlockingQueue<>();
    final List<RelayService> services = new ArrayList<>();

    @AfterEach
    void stop() {
        services.forEach(RelayService::close);
        card.executor.shutdownNow();
    }

    /** A card behind a one-thread "modem": answers by a script, records what reached it. */
    static final class FakeCard implements CardPort {
        final ExecutorService executor = Executors.newSingleThreadExecutor();
        final List<String> received = Collections.synchronizedList(new ArrayList<>());
        volatile Function<byte[], byte[]> script = apdu -> hex("9000");
        volatile CardException openFailure;
        volatile int opened;
        volatile int closed;

        @Override
        public <T> CompletableFuture<T> exclusive(Work<T> work) {
            CompletableFuture<T> f = new CompletableFuture<>();
            var running = executor.submit(() -> {
                try {
                    f.complete(work.run(apduCard));
                } catch (Exception e) {
                    f.completeExceptionally(e);
                }
            });
            f.whenComplete((v, e) -> {
                if (f.isCancelled()) {
                    running.cancel(true);
                }
            });
            return f;
        }

        volatile int refreshes;
        volatile CardPort.Refreshed identity = new CardPort.Refreshed("262010000031234", "8949000000000031234");

        final Card apduCard = new Card() {
            @Override
            public Refreshed refresh() {
                refreshes++;
                return identity;
            }

            @Override
            public Channel open(byte[] aid) throws CardException {
                return openChannel();
            }
        };

        Channel openChannel() throws CardException {
            if (openFailure != null) {
                throw openFailure;
            }
            opened++;
            return new Channel() {
                boolean open = true;

                @Override
                public byte[] transmit(byte[] commandApdu) throws CardException {
                    String h = HexFormat.of().withUpperCase().formatHex(commandApdu);
                    received.add(h);
                    byte[] r = script.apply(commandApdu);
                    if (r == null) {
                        throw new CardException(CardException.Kind.MODEM_ERROR, "AT+CGLA: ERROR", true, null);
                    }
                    return r;
                }

                @Override
                public void close() {
                    open = false;
                    closed++;
                }

                @Override
                public boolean isOpen() {
                    return open;
                }
            };
        }
    }

    static byte[] hex(String h) {
        return HexFormat.of().parseHex(h);
    }

    RelayService relay(RelayConfig config) throws Exception {
        RelayService r = RelayService.open(T, card, dataDir, config, result -> {
            published.add(result);
            return CompletableFuture.completedFuture(null);
        });
        services.add(r);
        return r;
    }

    RelayService relay() throws Exception {
        return relay(RelayConfig.DEFAULT);
    }

    static EsimBatch batch(String id, String session, int seq, ChannelHandling ch, String... apdus) {
        return new EsimBatch(2, id, T, session, seq, ISD_R, ch, StopRule.ERROR_STATUS_OR_INSTALLATION_RESULT, 10_000,
            List.of(apdus));
    }

    void send(RelayService r, EsimBatch b) {
        r.batchArrived(JsonCodec.encode(b));
    }

    EsimResult next() throws InterruptedException {
        EsimResult r = published.poll(5, TimeUnit.SECONDS);
        assertTrue(r != null, "no result published within 5 s");
        return r;
    }

    @Test
    void a_batch_runs_once_and_a_redelivery_gets_the_stored_responses() throws Exception {
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        card.script = apdu -> apdu[1] == (byte) 0xE2 && apdu[2] == (byte) 0x91 ? hex("BF2E039000") : hex("9000");
        EsimBatch b = batch("b-1", "s1", 0, ChannelHandling.KEEP, "80E2110001AA", "80E2910001BB");
        send(r, b);
        EsimResult first = next();
        assertEquals(BatchOutcome.COMPLETED, first.outcome());
        assertEquals(List.of("9000", "BF2E039000"), first.responses());
        assertEquals(2, card.received.size());

        send(r, b); // the broker redelivers it
        EsimResult again = next();
        assertEquals(first, again);
        assertEquals(2, card.received.size(), "never sent to the card again");

        // and after a restart of the terminal (a new service over the same data directory)
        r.close();
        RelayService restarted = relay();
        restarted.powerMode(PowerMode.ON);
        send(restarted, b);
        assertEquals(first, next());
        assertEquals(2, card.received.size());
    }

    @Test
    void batches_of_a_session_run_in_order_and_keep_their_channel() throws Exception {
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        send(r, batch("b-1", "s1", 1, ChannelHandling.KEEP, "80E2110000"));
        EsimResult early = next();
        assertEquals(BatchOutcome.REFUSED, early.outcome());
        assertEquals(RelayReason.OUT_OF_ORDER, early.reason());
        assertTrue(early.detail().contains("expects sequence 0"), early.detail());
        assertEquals(0, card.received.size());

        send(r, batch("b-0", "s1", 0, ChannelHandling.KEEP, "80E2110000"));
        assertEquals(BatchOutcome.COMPLETED, next().outcome());
        send(r, batch("b-1", "s1", 1, ChannelHandling.KEEP, "80E2110000"));
        assertEquals(BatchOutcome.COMPLETED, next().outcome(), "the refused batch runs once it is next");
        send(r, batch("b-3", "s1", 3, ChannelHandling.KEEP, "80E2110000"));
        assertEquals(RelayReason.OUT_OF_ORDER, next().reason());
        send(r, batch("b-2", "s1", 2, ChannelHandling.CLOSE, "80E2110000"));
        assertEquals(BatchOutcome.COMPLETED, next().outcome());
        assertEquals(1, card.opened, "one channel for the whole session");
        assertEquals(1, card.closed, "closed by the CLOSE batch");
    }

    @Test
    void an_enable_batch_with_refresh_closes_the_channel_refreshes_the_card_and_tells_the_binding() throws Exception {
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        LinkedBlockingQueue<CardPort.Refreshed> told = new LinkedBlockingQueue<>();
        r.onRefresh(told::add);
        send(r, batch("b-0", "s1", 0, ChannelHandling.KEEP, "80E2910003BF2D00"));
        assertEquals(BatchOutcome.COMPLETED, next().outcome());
        send(r, batch("b-1", "s1", 1, ChannelHandling.CLOSE_AND_REFRESH, "80E2910006BF3103010101"));
        EsimResult enabled = next();
        assertEquals(BatchOutcome.COMPLETED, enabled.outcome());
        assertTrue(enabled.detail().contains("IMSI 262010000031234"), enabled.detail());
        assertEquals(1, card.closed, "the channel is closed before the refresh");
        assertEquals(1, card.refreshes);
        assertEquals(card.identity, told.poll(5, TimeUnit.SECONDS));
        // a redelivery is answered from the store: no second refresh
        send(r, batch("b-1", "s1", 1, ChannelHandling.CLOSE_AND_REFRESH, "80E2910006BF3103010101"));
        assertEquals(enabled, next());
        assertEquals(1, card.refreshes);
    }

    @Test
    void an_error_status_word_or_an_installation_result_ends_the_batch_early() throws Exception {
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        card.script = apdu -> apdu[5] == (byte) 0x02 ? hex("6A88") : hex("9000");
        send(r, batch("b-sw", "s1", 0, ChannelHandling.KEEP, "80E2110001" + "01", "80E2110001" + "02",
            "80E2110001" + "03"));
        EsimResult sw = next();
        assertEquals(BatchOutcome.STOPPED, sw.outcome());
        assertEquals(RelayReason.STATUS_WORD, sw.reason());
        assertEquals(List.of("9000", "6A88"), sw.responses());
        assertEquals(2, card.received.size(), "the third APDU never reached the card");

        card.received.clear();
        // the eUICC answers a failed segment with a ProfileInstallationResult: the rest of the package is not sent
        card.script = apdu -> apdu[5] == (byte) 0x02 ? hex("BF3703800101" + "9000") : hex("9000");
        send(r, batch("b-pir", "s1", 1, ChannelHandling.KEEP, "80E2110001" + "01", "80E2110001" + "02",
            "80E2110001" + "03"));
        EsimResult pir = next();
        assertEquals(BatchOutcome.STOPPED, pir.outcome());
        assertEquals(RelayReason.INSTALLATION_RESULT, pir.reason());
        assertEquals(2, card.received.size());
    }

    @Test
    void power_off_refuses_before_and_stops_in_the_middle_with_the_responses_so_far() throws Exception {
        RelayService r = relay();
        send(r, batch("b-off", "s1", 0, ChannelHandling.KEEP, "80E2110000"));
        EsimResult off = next();
        assertEquals(BatchOutcome.REFUSED, off.outcome());
        assertEquals(RelayReason.POWER_OFF, off.reason());

        r.powerMode(PowerMode.ACC);
        CountDownLatch second = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        card.script = apdu -> {
            if (apdu[5] == 0x02) {
                second.countDown();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return hex("9000");
        };
        send(r, batch("b-mid", "s1", 0, ChannelHandling.KEEP, "80E2110001" + "01", "80E2110001" + "02",
            "80E2110001" + "03"));
        assertTrue(second.await(5, TimeUnit.SECONDS));
        CompletableFuture<Void> stopped = r.powerOff();
        release.countDown();
        stopped.get(5, TimeUnit.SECONDS);
        EsimResult mid = next();
        assertEquals(BatchOutcome.FAILED, mid.outcome());
        assertEquals(RelayReason.POWER_OFF, mid.reason());
        assertEquals(2, mid.responses().size(), "the APDU in flight finished, the next one never went");
        assertEquals(3, card.received.size() + 1);

        // stored: a redelivery after power comes back is not run again
        r.powerMode(PowerMode.ON);
        send(r, batch("b-mid", "s1", 0, ChannelHandling.KEEP, "80E2110001" + "01", "80E2110001" + "02",
            "80E2110001" + "03"));
        assertEquals(mid, next());
        assertEquals(2, card.received.size());
    }

    @Test
    void a_busy_modem_gets_a_typed_refusal_and_nothing_reaches_the_card() throws Exception {
        RelayService r = relay(new RelayConfig(Duration.ofMillis(200), Duration.ofMinutes(1), Duration.ofSeconds(2)));
        r.powerMode(PowerMode.ON);
        CountDownLatch binding = new CountDownLatch(1);
        card.executor.execute(() -> {
            try {
                binding.await(5, TimeUnit.SECONDS); // the binding's identify holds the AT port
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        send(r, batch("b-busy", "s1", 0, ChannelHandling.KEEP, "80E2110000"));
        EsimResult busy = next();
        binding.countDown();
        assertEquals(BatchOutcome.REFUSED, busy.outcome());
        assertEquals(RelayReason.MODEM_BUSY, busy.reason());
        // not stored: the same batch runs when sent again
        send(r, batch("b-busy", "s1", 0, ChannelHandling.KEEP, "80E2110000"));
        assertEquals(BatchOutcome.COMPLETED, next().outcome());
        assertEquals(1, card.received.size());
    }

    @Test
    void a_card_without_the_isd_r_is_refused_as_not_an_euicc() throws Exception {
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        card.openFailure = new CardException(CardException.Kind.NO_SUCH_APPLICATION, "AT+CCHO: +CME ERROR: 13", false, null);
        send(r, batch("b-1", "s1", 0, ChannelHandling.KEEP, "80E2110000"));
        EsimResult refused = next();
        assertEquals(BatchOutcome.REFUSED, refused.outcome());
        assertEquals(RelayReason.NOT_AN_EUICC, refused.reason());
        assertTrue(refused.detail().contains("CME ERROR: 13"), refused.detail());
        assertEquals(0, card.received.size());
        card.openFailure = null;
        send(r, batch("b-1", "s1", 0, ChannelHandling.KEEP, "80E2110000"));
        assertEquals(BatchOutcome.COMPLETED, next().outcome(), "a refusal is not stored; sequence 0 is still next");
    }

    @Test
    void a_modem_error_in_the_middle_fails_the_batch_for_good() throws Exception {
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        card.script = apdu -> apdu[5] == 0x02 ? null : hex("9000");
        EsimBatch b = batch("b-err", "s1", 0, ChannelHandling.KEEP, "80E2110001" + "01", "80E2110001" + "02",
            "80E2110001" + "03");
        send(r, b);
        EsimResult failed = next();
        assertEquals(BatchOutcome.FAILED, failed.outcome());
        assertEquals(RelayReason.MODEM_ERROR, failed.reason());
        assertEquals(List.of("9000"), failed.responses());
        assertTrue(failed.detail().contains("may have reached the card"), failed.detail());
        send(r, b);
        assertEquals(failed, next());
        assertEquals(2, card.received.size());
    }

    @Test
    void a_batch_cut_off_by_a_crash_is_never_run_again() throws Exception {
        EsimBatch b = batch("b-crash", "s1", 0, ChannelHandling.KEEP, "80E2110000");
        RelayStore.open(dataDir).markStarted(b); // the terminal died after the mark, before the result
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        send(r, b);
        EsimResult interrupted = next();
        assertEquals(BatchOutcome.FAILED, interrupted.outcome());
        assertEquals(RelayReason.INTERRUPTED, interrupted.reason());
        assertEquals(0, card.received.size());
        // the session goes on after it
        send(r, batch("b-next", "s1", 1, ChannelHandling.KEEP, "80E2110000"));
        assertEquals(BatchOutcome.COMPLETED, next().outcome());
    }

    @Test
    void a_malformed_batch_is_refused_naming_the_field() throws Exception {
        RelayService r = relay();
        r.powerMode(PowerMode.ON);
        String json = new String(JsonCodec.encode(batch("b-bad", "s1", 0, ChannelHandling.KEEP, "80E2110000")), UTF_8)
            .replace("80E2110000", "80E21100ZZ");
        r.batchArrived(json.getBytes(UTF_8));
        EsimResult refused = next();
        assertEquals("b-bad", refused.requestId());
        assertEquals(RelayReason.MALFORMED_BATCH, refused.reason());
        assertTrue(refused.detail().contains("apdus[0]"), refused.detail());
        assertEquals(0, card.received.size());
        assertTrue(Files.isDirectory(dataDir.resolve(RelayStore.DIR)));
    }
}
