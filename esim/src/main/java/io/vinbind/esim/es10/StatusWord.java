package io.vinbind.esim.es10;

/** The status words ES10 framing deals with (ETSI TS 102 221 §10.2, GlobalPlatform). */
public final class StatusWord {
    public static final int OK = 0x9000;
    /** 61xx: xx more bytes available with GET RESPONSE. */
    public static final int MORE_DATA = 0x6100;
    public static final int WRONG_LENGTH = 0x6700;
    public static final int SECURITY_STATUS_NOT_SATISFIED = 0x6982;
    public static final int CONDITIONS_NOT_SATISFIED = 0x6985;
    public static final int WRONG_DATA = 0x6A80;
    public static final int FUNCTION_NOT_SUPPORTED = 0x6A81;
    public static final int FILE_NOT_FOUND = 0x6A82;
    /** 6A88: referenced data not found (e.g. a BPP segment after the installation result). */
    public static final int REFERENCED_DATA_NOT_FOUND = 0x6A88;
    public static final int NO_MORE_CHANNELS = 0x6A81;
    public static final int WRONG_P1P2 = 0x6B00;
    public static final int INS_NOT_SUPPORTED = 0x6D00;
    public static final int CLA_NOT_SUPPORTED = 0x6E00;
    public static final int LOGICAL_CHANNEL_NOT_SUPPORTED = 0x6881;
    public static final int TECHNICAL_PROBLEM = 0x6F00;

    private StatusWord() {
    }

    public static String hex(int sw) {
        return String.format("%04X", sw & 0xFFFF);
    }
}
