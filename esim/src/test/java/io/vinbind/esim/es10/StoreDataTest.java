package io.vinbind.esim.es10;

import static io.vinbind.esim.Hex.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoreDataTest {

    @Test
    void requestIsCutIntoNumberedBlocksWithTheChannelInCla() {
        byte[] data = new byte[250];
        List<byte[]> c = StoreData.commands(1, data, 120);
        assertEquals(3, c.size());
        assertArrayEquals(bytes("81 E2 11 00 78"), java.util.Arrays.copyOf(c.get(0), 5)); // CLA ch1, STORE DATA, more, block 0, 120 bytes
        assertArrayEquals(bytes("81 E2 11 01 78"), java.util.Arrays.copyOf(c.get(1), 5)); // block 1
        assertArrayEquals(bytes("81 E2 91 02 0A"), java.util.Arrays.copyOf(c.get(2), 5)); // last block 2, 10 bytes
        assertEquals(5 + 10, c.get(2).length);
    }

    @Test
    void channelsFourAndUpUseTheExtendedClassByte() {
        assertEquals(0x80, StoreData.cla(0));
        assertEquals(0x83, StoreData.cla(3));
        assertEquals(0xC0, StoreData.cla(4));
        assertEquals(0xCF, StoreData.cla(19));
        assertEquals(19, StoreData.channelOf(0xCF));
        assertEquals(2, StoreData.channelOf(0x02));
        assertThrows(IllegalArgumentException.class, () -> StoreData.cla(20));
        assertThrows(IllegalArgumentException.class, () -> StoreData.commands(0, new byte[1], 256));
    }

    @Test
    void clientFollows61xxWithGetResponseAndStopsOnAnErrorStatus() throws Exception {
        Deque<byte[]> answers = new ArrayDeque<>(List.of(
            bytes("01 90 00"),            // MANAGE CHANNEL: channel 1
            bytes("90 00"),               // SELECT ISD-R
            bytes("90 00"),               // block 0
            bytes("61 03"),               // last block: 3 bytes waiting
            bytes("BF 2E 00 90 00")));    // GET RESPONSE
        List<byte[]> sent = new ArrayList<>();
        Es10Client client = new Es10Client(apdu -> {
            sent.add(apdu);
            return answers.removeFirst();
        }, 4);
        assertEquals(1, client.open());
        assertArrayEquals(bytes("BF2E00"), client.send(bytes("01 02 03 04 05")));
        assertArrayEquals(bytes("81 C0 00 00 03"), sent.get(sent.size() - 1));
        Es10Client failing = new Es10Client(apdu -> bytes("6A 80"));
        failing.useChannel(2);
        Es10Exception e = assertThrows(Es10Exception.class, () -> failing.send(bytes("BF2E00")));
        assertEquals(0x6A80, e.statusWord());
    }
}
