package io.vinbind.esim.message;

/**
 * ES10b.GetEUICCChallenge (BF2E, SGP.22 §5.7.7) and the two argument-less GetEUICCInfo requests (BF20, BF22).
 */
public final class Challenge {
    private Challenge() {
    }

    /** The request's bytes: BF2E 00. */
    public static byte[] request() {
        return Der.encode(Der.seq(Der.CONTEXT, 46));
    }

    /** GetEUICCInfo1: BF20 00. */
    public static byte[] euiccInfo1Request() {
        return Der.encode(Der.seq(Der.CONTEXT, 32));
    }

    /** GetEUICCInfo2: BF22 00. */
    public static byte[] euiccInfo2Request() {
        return Der.encode(Der.seq(Der.CONTEXT, 34));
    }

    /** Checks an argument-less request with the given tag number has no fields. */
    public static void decodeEmpty(byte[] der, int tagNo, String structure) {
        Der.parseSequence(der, Der.CONTEXT, tagNo, structure).end();
    }

    /** The answer: BF2E { 80 euiccChallenge }. */
    public static byte[] response(byte[] challenge) {
        return Der.encode(Der.seq(Der.CONTEXT, 46, Der.ctx(0, Bytes.sized(challenge, "euiccChallenge", 16, 16))));
    }

    public static byte[] decodeResponse(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 46, "GetEuiccChallengeResponse");
        byte[] c = r.octets(Der.CONTEXT, 0, "euiccChallenge", 16, 16);
        r.end();
        return c;
    }
}
