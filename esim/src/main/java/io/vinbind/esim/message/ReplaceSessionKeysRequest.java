package io.vinbind.esim.message;

import io.vinbind.esim.crypto.SessionKeys;
import java.util.Objects;

/**
 * ES8+.ReplaceSessionKeys (BF26, SGP.22 §5.5.4): new keys (PPK-ENC, PPK-MAC and MCV) for the profile
 * elements that follow, carried in the BPP's second 87 sequence — how a pre-generated, pre-encrypted
 * profile is bound to a session.
 */
public record ReplaceSessionKeysRequest(SessionKeys keys) {

    public ReplaceSessionKeysRequest {
        Objects.requireNonNull(keys, "keys");
    }

    public byte[] encode() {
        return Der.encode(Der.seq(Der.CONTEXT, 38, Der.ctx(0, keys.initialMacChainingValue()), Der.ctx(1, keys.encKey()),
            Der.ctx(2, keys.macKey())));
    }

    public static ReplaceSessionKeysRequest decode(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 38, "ReplaceSessionKeysRequest");
        byte[] mcv = r.octets(Der.CONTEXT, 0, "initialMacChainingValue", 16, 16);
        byte[] enc = r.octets(Der.CONTEXT, 1, "ppkEnc", 16, 16);
        byte[] mac = r.octets(Der.CONTEXT, 2, "ppkCmac", 16, 16);
        r.end();
        return new ReplaceSessionKeysRequest(new SessionKeys(mcv, enc, mac));
    }

}
