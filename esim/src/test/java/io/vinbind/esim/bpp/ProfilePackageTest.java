package io.vinbind.esim.bpp;

import static io.vinbind.esim.Hex.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.esim.message.Iccid;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfilePackageTest {

    @Test
    void efImsiIsCodedAsTs31102() {
        assertArrayEquals(bytes(
            "08"                         // 8 bytes follow
            + " 29"                      // parity 1 (odd) | type 001, then digit 2
            + " 26 10 00 00 00 00 10"), // 6 2 | 0 1 | 0 0 ... | 0 1 (nibbles swapped)
            ProfilePackage.efImsi("262010000000001"));
    }

    @Test
    void iccidAndImsiRoundTripThroughTheProfileElements() throws Exception {
        ProfilePackage p = ProfilePackage.of(new Iccid("8949000000000001234"), "262010000000001", "vinbind-iot");
        byte[] pe = p.encode(new byte[16], new byte[16]);
        assertEquals(0xA0, pe[0] & 0xFF); // ProfileHeader [0]
        ProfilePackage back = ProfilePackage.decode(pe);
        assertEquals(p.iccid(), back.iccid());
        assertEquals("262010000000001", back.imsi());
        assertEquals(List.of("header", "mf", "usim", "akaParameter", "end"), back.elementTypes());
    }

    @Test
    void malformedElementsNameTheElement() {
        byte[] pe = ProfilePackage.of(new Iccid("8949000000000001234"), "262010000000001", "t").encode(new byte[16], new byte[16]);
        ProfileElementException noEnd = assertThrows(ProfileElementException.class,
            () -> ProfilePackage.decode(Arrays.copyOf(pe, pe.length - 9)));
        assertTrue(noEnd.getMessage().contains("PE-End"), noEnd.getMessage());
        ProfileElementException garbage = assertThrows(ProfileElementException.class,
            () -> ProfilePackage.decode(bytes("30 03 02 01 01")));
        assertEquals(0, garbage.elementIndex());
    }
}
