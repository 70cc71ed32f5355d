package io.vinbind.can.uds;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.Hex;
import io.vinbind.can.isotp.IsoTpChannel;
import io.vinbind.can.isotp.IsoTpConfig;
import io.vinbind.can.virtual.VirtualCanBus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UdsClientTest {

    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final CanId REQ = CanId.standard(0x740);
    private static final CanId RSP = CanId.standard(0x748);

    private final VirtualCanBus bus = VirtualCanBus.create("uds");
    private final CanChannel ecuCan = bus.connect("ecu");
    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    /**
     * Timers for tests that expect an answer: generous, so a descheduled test thread on a loaded machine
     * cannot turn into a timeout. Tests about timeouts set short timers themselves.
     */
    private final UdsClientConfig fast = UdsClientConfig.defaults()
            .withTimings(Duration.ofMillis(1000), Duration.ofMillis(2000), Duration.ofSeconds(4));

    @AfterEach
    void close() {
        executor.shutdownNow();
        ecuCan.close();
    }

    private UdsClient client(UdsClientConfig config) throws Exception {
        return UdsClient.over(bus.connect("tester"), config);
    }

    private <T> Future<T> async(java.util.concurrent.Callable<T> c) {
        return executor.submit(c);
    }

    private void ecuSends(int... bytes) throws Exception {
        ecuCan.send(CanFrame.ofUnsigned(RSP, bytes));
    }

    private void ecuExpects(int... bytes) throws Exception {
        Optional<CanFrame> f = ecuCan.receive(WAIT);
        assertTrue(f.isPresent(), "tester sent nothing");
        assertEquals(CanFrame.ofUnsigned(REQ, bytes), f.get());
    }

    /** The ECU side at ISO-TP level, for tests about UDS timing rather than frames. */
    private IsoTpChannel ecuIsoTp() throws Exception {
        return new IsoTpChannel(ecuCan, IsoTpConfig.of(RSP, REQ));
    }

    @Test
    void read_vin_sends_22_f190_and_reassembles_the_three_frame_answer() throws Exception {
        UdsClient uds = client(UdsClientConfig.defaults());
        Future<String> vin = async(uds::readVin);
        ecuExpects(0x03, 0x22, 0xF1, 0x90,            // SF: ReadDataByIdentifier F190
                   0xCC, 0xCC, 0xCC, 0xCC);           // tester padding
        ecuSends(0x10, 0x14,                          // FF, 20 bytes
                 0x62, 0xF1, 0x90,                    // positive response, DID F190
                 0x4C, 0x53, 0x47);                   // "LSG"
        ecuExpects(0x30, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC); // FC: CTS
        ecuSends(0x21, 0x50, 0x43, 0x35, 0x32, 0x55, 0x36, 0x41);  // CF 1 "PC52U6A"
        ecuSends(0x22, 0x46, 0x31, 0x30, 0x32, 0x35, 0x35, 0x34);  // CF 2 "F102554"
        assertEquals("LSGPC52U6AF102554", vin.get(5, TimeUnit.SECONDS));
    }

    @Test
    void read_vin_strips_trailing_space_zero_and_ff_padding() throws Exception {
        UdsClient uds = client(fast);
        IsoTpChannel ecu = ecuIsoTp();
        Future<String> vin = async(uds::readVin);
        assertEquals("22F190", Hex.of(ecu.receive(WAIT).orElseThrow()));
        ecu.send(concat(Hex.parse("62F190"), "LSGPC52U6AF102554".getBytes(), Hex.parse("2020 00 FF")));
        assertEquals("LSGPC52U6AF102554", vin.get(5, TimeUnit.SECONDS));
    }

    @Test
    void a_vin_of_another_length_is_an_error_naming_the_length() throws Exception {
        UdsClient uds = client(fast);
        IsoTpChannel ecu = ecuIsoTp();
        Future<String> vin = async(uds::readVin);
        ecu.receive(WAIT).orElseThrow();
        ecu.send(concat(Hex.parse("62F190"), "LSGPC52U6AF10255".getBytes(), Hex.parse("FF")));
        UdsProtocolException e = cause(UdsProtocolException.class, vin);
        assertTrue(e.getMessage().contains("16 bytes"), e.getMessage());
    }

    @Test
    void a_negative_response_is_a_value_for_read_data_and_an_exception_for_read_vin() throws Exception {
        UdsClient uds = client(fast);
        Future<DidReadResult> result = async(() -> uds.readDataByIdentifier(0xF18C));
        ecuExpects(0x03, 0x22, 0xF1, 0x8C, 0xCC, 0xCC, 0xCC, 0xCC);
        ecuSends(0x03, 0x7F, 0x22, 0x31);             // SF: negative response, requestOutOfRange
        NegativeResponse nr = assertInstanceOf(NegativeResponse.class, result.get(5, TimeUnit.SECONDS));
        assertEquals(Nrc.REQUEST_OUT_OF_RANGE, nr.nrc().orElseThrow());

        Future<String> vin = async(uds::readVin);
        ecuExpects(0x03, 0x22, 0xF1, 0x90, 0xCC, 0xCC, 0xCC, 0xCC);
        ecuSends(0x03, 0x7F, 0x22, 0x22);             // conditionsNotCorrect
        UdsNegativeResponseException e = cause(UdsNegativeResponseException.class, vin);
        assertEquals(0x22, e.response().nrcCode());
        assertTrue(e.getMessage().contains("conditions_not_correct"), e.getMessage());
    }

    @Test
    void response_pending_switches_from_p2_to_p2_star() throws Exception {
        // P2 500 ms, P2* 4 s: the answers come 1000 ms apart, which only P2* allows (the margins are wide
        // so that a loaded machine delaying a thread by a few hundred ms cannot decide the outcome)
        UdsClient uds = client(fast.withTimings(Duration.ofMillis(500), Duration.ofSeconds(4), Duration.ofSeconds(10)));
        IsoTpChannel ecu = ecuIsoTp();
        Future<String> vin = async(uds::readVin);
        ecu.receive(WAIT).orElseThrow();
        ecu.send(Hex.parse("7F2278"));                // pending, at once (within P2)
        Thread.sleep(1000);                           // twice P2, a quarter of P2*
        ecu.send(Hex.parse("7F2278"));
        Thread.sleep(1000);
        ecu.send(concat(Hex.parse("62F190"), "LSGPC52U6AF102554".getBytes()));
        assertEquals("LSGPC52U6AF102554", vin.get(5, TimeUnit.SECONDS));
    }

    @Test
    void a_late_answer_to_an_earlier_request_is_not_taken_for_the_next_answer() throws Exception {
        UdsClient uds = client(fast);
        ecuSends(0x03, 0x7F, 0x22, 0x22);             // stale: refusal of a request that already timed out
        Thread.sleep(50);
        Future<String> vin = async(uds::readVin);
        ecuExpects(0x03, 0x22, 0xF1, 0x90, 0xCC, 0xCC, 0xCC, 0xCC);
        ecuSends(0x10, 0x14, 0x62, 0xF1, 0x90, 0x4C, 0x53, 0x47);
        ecuExpects(0x30, 0x00, 0x00, 0xCC, 0xCC, 0xCC, 0xCC, 0xCC);
        ecuSends(0x21, 0x50, 0x43, 0x35, 0x32, 0x55, 0x36, 0x41);
        ecuSends(0x22, 0x46, 0x31, 0x30, 0x32, 0x35, 0x35, 0x34);
        assertEquals("LSGPC52U6AF102554", vin.get(5, TimeUnit.SECONDS));
    }

    @Test
    void no_answer_within_p2_is_a_timeout_naming_p2() throws Exception {
        UdsClient uds = client(fast.withTimings(Duration.ofMillis(150), Duration.ofMillis(600), Duration.ofSeconds(2)));
        UdsTimeoutException e = assertThrows(UdsTimeoutException.class, uds::readVin);
        assertEquals(UdsTimeoutException.Timer.P2, e.timer());
        assertTrue(e.getMessage().contains("ReadDataByIdentifier 0xF190") && e.getMessage().contains("150 ms"), e.getMessage());
    }

    @Test
    void silence_after_response_pending_is_a_p2_star_timeout() throws Exception {
        UdsClient uds = client(fast.withTimings(Duration.ofMillis(1000), Duration.ofMillis(300), Duration.ofSeconds(4)));
        IsoTpChannel ecu = ecuIsoTp();
        Future<String> vin = async(uds::readVin);
        ecu.receive(WAIT).orElseThrow();
        ecu.send(Hex.parse("7F2278"));
        UdsTimeoutException e = cause(UdsTimeoutException.class, vin);
        assertEquals(UdsTimeoutException.Timer.P2_STAR, e.timer());
        assertEquals(1, e.pendingResponses());
    }

    @Test
    void the_overall_timeout_bounds_endless_response_pending() throws Exception {
        UdsClient uds = client(fast.withTimings(Duration.ofMillis(1000), Duration.ofMillis(1000), Duration.ofMillis(700)));
        IsoTpChannel ecu = ecuIsoTp();
        Future<String> vin = async(uds::readVin);
        ecu.receive(WAIT).orElseThrow();
        long start = System.nanoTime();
        for (int i = 0; i < 20 && !vin.isDone(); i++) {
            ecu.send(Hex.parse("7F2278"));
            Thread.sleep(100);
        }
        UdsTimeoutException e = cause(UdsTimeoutException.class, vin);
        assertEquals(UdsTimeoutException.Timer.OVERALL, e.timer());
        assertTrue(e.pendingResponses() >= 3, "pending " + e.pendingResponses());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos());
    }

    @Test
    void an_answer_for_another_service_or_did_is_an_error_saying_what_arrived() throws Exception {
        UdsClient uds = client(fast);
        IsoTpChannel ecu = ecuIsoTp();
        Future<String> vin = async(uds::readVin);
        ecu.receive(WAIT).orElseThrow();
        ecu.send(Hex.parse("7E00"));                  // TesterPresent response
        UdsProtocolException e = cause(UdsProtocolException.class, vin);
        assertTrue(e.getMessage().contains("7E 00"), e.getMessage());

        Future<String> vin2 = async(uds::readVin);
        ecu.receive(WAIT).orElseThrow();
        ecu.send(concat(Hex.parse("62F18C"), "SERIAL".getBytes()));
        e = cause(UdsProtocolException.class, vin2);
        assertTrue(e.getMessage().contains("DID 0xF18C"), e.getMessage());

        Future<String> vin3 = async(uds::readVin);
        ecu.receive(WAIT).orElseThrow();
        ecu.send(Hex.parse("7F1011"));                // negative response for service 0x10
        e = cause(UdsProtocolException.class, vin3);
        assertTrue(e.getMessage().contains("service 0x10"), e.getMessage());
    }

    @Test
    void normal_fixed_29_bit_addressing_sends_on_18da_target_source() throws Exception {
        UdsAddressing addressing = UdsAddressing.normalFixed(0x40, 0xF1);
        assertEquals(CanId.extended(0x18DA40F1), addressing.request());
        assertEquals(CanId.extended(0x18DAF140), addressing.response());
        UdsClient uds = client(UdsClientConfig.of(addressing).withTimings(Duration.ofMillis(1000), Duration.ofMillis(2000), Duration.ofSeconds(4)));
        Future<DidReadResult> r = async(() -> uds.readDataByIdentifier(0xF190));
        CanFrame request = ecuCan.receive(WAIT).orElseThrow();
        assertEquals(CanFrame.ofUnsigned(CanId.extended(0x18DA40F1), 0x03, 0x22, 0xF1, 0x90, 0xCC, 0xCC, 0xCC, 0xCC), request);
        ecuCan.send(CanFrame.ofUnsigned(CanId.extended(0x18DAF140), 0x05, 0x62, 0xF1, 0x90, 0x41, 0x42));
        DidValue v = assertInstanceOf(DidValue.class, r.get(5, TimeUnit.SECONDS));
        assertArrayEquals("AB".getBytes(), v.value());
    }

    @Test
    void obd_addressing_and_config_validation() {
        assertEquals(new UdsAddressing(CanId.standard(0x7E2), CanId.standard(0x7EA)), UdsAddressing.obdPhysical(2));
        assertThrows(IllegalArgumentException.class, () -> UdsAddressing.obdPhysical(8));
        assertThrows(IllegalArgumentException.class, () -> new UdsAddressing(REQ, REQ));
        assertThrows(IllegalArgumentException.class, () -> UdsClientConfig.defaults().withOverall(Duration.ZERO));
        assertEquals(UdsAddressing.SMART_KEY_DEFAULT, UdsClientConfig.defaults().addressing());
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static <E extends Throwable> E cause(Class<E> type, Future<?> f) {
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> f.get(5, TimeUnit.SECONDS));
        return assertInstanceOf(type, e.getCause());
    }
}
