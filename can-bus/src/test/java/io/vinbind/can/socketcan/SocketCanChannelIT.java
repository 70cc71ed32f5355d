package io.vinbind.can.socketcan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannelClosedException;
import io.vinbind.can.CanException;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SocketCAN through JavaCAN on vcan0 (scripts/setup-vcan.sh creates it); skipped where it does not exist. */
class SocketCanChannelIT {

    private static final Duration WAIT = Duration.ofSeconds(2);

    @BeforeEach
    void needVcan0() {
        assumeTrue(Files.exists(Path.of("/sys/class/net/vcan0")), "skipped: no vcan0");
    }

    @Test
    void two_sockets_on_vcan0_exchange_standard_extended_and_remote_frames() throws Exception {
        try (CanChannel a = CanChannels.open("socketcan:vcan0"); CanChannel b = CanChannels.open("socketcan:vcan0")) {
            List<CanFrame> frames = List.of(
                    CanFrame.ofUnsigned(CanId.standard(0x7E8), 0x03, 0x22, 0xF1, 0x90),
                    CanFrame.ofUnsigned(CanId.extended(0x18DAF110), 0x30, 0x00, 0x00),
                    CanFrame.remote(CanId.standard(0x7DF), 2),
                    CanFrame.of(CanId.standard(0x001)));
            for (CanFrame f : frames) {
                a.send(f);
            }
            for (CanFrame f : frames) {
                assertEquals(f, b.receive(WAIT).orElseThrow());
            }
            assertTrue(a.receive(Duration.ofMillis(50)).isEmpty(), "a socket must not receive its own frames");
        }
    }

    @Test
    void kernel_filters_keep_11_and_29_bit_identifiers_apart() throws Exception {
        try (CanChannel a = CanChannels.open("socketcan:vcan0"); CanChannel b = CanChannels.open("socketcan:vcan0")) {
            b.setFilters(List.of(CanFilter.exact(CanId.standard(0x748))));
            a.send(CanFrame.ofUnsigned(CanId.extended(0x748), 1));
            a.send(CanFrame.ofUnsigned(CanId.standard(0x749), 2));
            a.send(CanFrame.ofUnsigned(CanId.standard(0x748), 3));
            assertEquals(CanFrame.ofUnsigned(CanId.standard(0x748), 3), b.receive(WAIT).orElseThrow());
            assertTrue(b.receive(Duration.ofMillis(50)).isEmpty());
        }
    }

    @Test
    void reads_the_vin_from_the_simulator_over_vcan0() throws Exception {
        try (EcuSimulator sim = EcuSimulator.start(CanChannels.open("socketcan:vcan0"), EcuSimulatorConfig.of("LSGPC52U6AF102554"));
             CanChannel tester = CanChannels.open("socketcan:vcan0")) {
            assertEquals("LSGPC52U6AF102554", UdsClient.over(tester, UdsClientConfig.defaults()).readVin());
            assertEquals(1, sim.vinRequests());
        }
    }

    @Test
    void opening_an_interface_that_does_not_exist_fails_naming_it() {
        CanException e = assertThrows(CanException.class, () -> CanChannels.open("socketcan:vcan7"));
        assertTrue(e.getMessage().contains("vcan7"), e.getMessage());
    }

    @Test
    void a_closed_channel_refuses_send_receive_and_filters_with_a_typed_error() throws Exception {
        CanChannel a = CanChannels.open("socketcan:vcan0");
        a.close();
        assertThrows(CanChannelClosedException.class, () -> a.send(CanFrame.ofUnsigned(CanId.standard(0x100), 1)));
        assertThrows(CanChannelClosedException.class, () -> a.receive(Duration.ofMillis(10)));
        assertThrows(CanChannelClosedException.class, () -> a.setFilters(List.of(CanFilter.exact(CanId.standard(0x100)))));
    }

    @Test
    void a_receive_waiting_when_the_channel_closes_ends_with_the_closed_error() throws Exception {
        CanChannel a = CanChannels.open("socketcan:vcan0");
        CompletableFuture<Object> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return a.receive(Duration.ofSeconds(3));
            } catch (CanException e) {
                return e;
            }
        });
        Thread.sleep(200);
        a.close();
        Object outcome = waiting.get(5, TimeUnit.SECONDS);
        assertTrue(outcome instanceof CanChannelClosedException, "a waiting receive must end with the closed error, got " + outcome);
    }

    @Test
    void frames_on_vcan1_do_not_reach_a_socket_on_vcan0() throws Exception {
        try (CanChannel on0 = CanChannels.open("socketcan:vcan0"); CanChannel on1 = CanChannels.open("socketcan:vcan1");
             CanChannel other1 = CanChannels.open("socketcan:vcan1")) {
            on1.send(CanFrame.ofUnsigned(CanId.standard(0x123), 0x42));
            assertEquals(CanFrame.ofUnsigned(CanId.standard(0x123), 0x42), other1.receive(WAIT).orElseThrow());
            assertTrue(on0.receive(Duration.ofMillis(100)).isEmpty(), "interfaces are separate buses");
        }
    }
}
