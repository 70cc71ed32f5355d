package io.vinbind.esim.bpp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.esim.crypto.Ecc;
import io.vinbind.esim.crypto.SessionKeys;
import io.vinbind.esim.message.ConfigureIsdpRequest;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.InitialiseSecureChannelRequest;
import io.vinbind.esim.message.MalformedMessageException;
import io.vinbind.esim.message.ProfileClass;
import io.vinbind.esim.message.StoreMetadata;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class BoundProfilePackageTest {

    static BoundProfilePackage sample(int profileBytes, SessionKeys ppk) {
        SessionKeys keys = new SessionKeys(new byte[16], Ecc.random(16), Ecc.random(16));
        InitialiseSecureChannelRequest isc = new InitialiseSecureChannelRequest(new byte[] {1, 2, 3}, new byte[8],
            Ecc.encodePoint(Ecc.generateKeyPair().getPublic()), new byte[64]);
        StoreMetadata md = new StoreMetadata(new Iccid("8949000000000001234"), "vinbind", "bench", ProfileClass.OPERATIONAL,
            List.of());
        return BppBuilder.bind(isc, keys, new ConfigureIsdpRequest("2.999.10.7"), md, new byte[profileBytes], ppk);
    }

    @Test
    void segmentsFollowSection255AndConcatenateToThePackage() {
        BoundProfilePackage bpp = sample(3000, null);
        List<Segment> s = bpp.segments();
        assertEquals(List.of(Segment.Kind.INITIALISE_SECURE_CHANNEL, Segment.Kind.CONFIGURE_ISDP,
            Segment.Kind.STORE_METADATA_HEADER, Segment.Kind.STORE_METADATA, Segment.Kind.PROFILE_ELEMENTS_HEADER,
            Segment.Kind.PROFILE_ELEMENTS, Segment.Kind.PROFILE_ELEMENTS, Segment.Kind.PROFILE_ELEMENTS),
            s.stream().map(Segment::kind).toList());
        assertEquals(0xBF, s.get(0).bytes()[0] & 0xFF);
        assertEquals(0x36, s.get(0).bytes()[1] & 0xFF);
        assertEquals(0xA0, s.get(1).bytes()[0] & 0xFF);
        assertEquals(0xA1, s.get(2).bytes()[0] & 0xFF);
        assertEquals(0x88, s.get(3).bytes()[0] & 0xFF);
        assertEquals(0xA3, s.get(4).bytes()[0] & 0xFF);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        s.forEach(x -> all.writeBytes(x.bytes()));
        assertArrayEquals(bpp.encode(), all.toByteArray());
        assertTrue(s.stream().filter(x -> x.kind() == Segment.Kind.PROFILE_ELEMENTS).allMatch(x -> x.length() <= 1020));
    }

    @Test
    void replaceSessionKeysAddsTheA2Segment() {
        BoundProfilePackage bpp = sample(100, new SessionKeys(Ecc.random(16), Ecc.random(16), Ecc.random(16)));
        assertTrue(bpp.segments().stream().anyMatch(x -> x.kind() == Segment.Kind.REPLACE_SESSION_KEYS));
        BoundProfilePackage back = BoundProfilePackage.decode(bpp.encode());
        assertEquals(1, back.secondSequenceOf87().size());
    }

    @Test
    void storeMetadataIsReadableWithoutTheKeysAndDecodeRoundTrips() {
        BoundProfilePackage bpp = sample(500, null);
        BoundProfilePackage back = BoundProfilePackage.decode(bpp.encode());
        assertEquals("8949000000000001234", back.storeMetadata().iccid().digits());
        assertEquals("bench", back.storeMetadata().profileName());
        assertArrayEquals(bpp.encode(), back.encode());
    }

    @Test
    void notAPackageIsRefusedByName() {
        MalformedMessageException e = assertThrows(MalformedMessageException.class,
            () -> BoundProfilePackage.decode(new byte[] {(byte) 0xBF, 0x36, 0x00}));
        assertTrue(e.getMessage().contains("initialiseSecureChannelRequest"), e.getMessage());
    }
}
