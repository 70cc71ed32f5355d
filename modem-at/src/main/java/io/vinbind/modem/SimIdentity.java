package io.vinbind.modem;

import java.util.Objects;

/** The identities the network sees from the card: IMSI and ICCID, read afresh (e.g. after a profile switch). */
public record SimIdentity(Imsi imsi, Iccid iccid) {
    public SimIdentity {
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(iccid, "iccid");
    }
}
