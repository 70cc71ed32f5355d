package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;

/**
 * SGP.22 {@code EuiccSigned1}: what the eUICC signs in ES10b.AuthenticateServer (§5.7.13): the transaction,
 * the server's address and challenge, its EUICCInfo2 and the LPA's context.
 */
public record EuiccSigned1(byte[] transactionId, String serverAddress, byte[] serverChallenge, EuiccInfo2 euiccInfo2,
                           CtxParams1 ctxParams1) {

    public EuiccSigned1 {
        transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
        Objects.requireNonNull(serverAddress, "serverAddress");
        serverChallenge = Bytes.sized(serverChallenge, "serverChallenge", 16, 16);
        Objects.requireNonNull(euiccInfo2, "euiccInfo2");
        Objects.requireNonNull(ctxParams1, "ctxParams1");
    }

    @Override
    public byte[] transactionId() {
        return transactionId.clone();
    }

    @Override
    public byte[] serverChallenge() {
        return serverChallenge.clone();
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.ctx(0, transactionId), Der.ctxUtf8(3, serverAddress), Der.ctx(4, serverChallenge),
            euiccInfo2.toAsn1(), ctxParams1.toAsn1());
    }

    /** The DER euiccSignature1 covers. */
    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    static EuiccSigned1 from(Der.Reader r) {
        byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
        String address = r.utf8(Der.CONTEXT, 3, "serverAddress");
        byte[] challenge = r.octets(Der.CONTEXT, 4, "serverChallenge", 16, 16);
        EuiccInfo2 info2 = EuiccInfo2.from(r.sequence(Der.CONTEXT, 34, "euiccInfo2"));
        CtxParams1 ctx = CtxParams1.from(r.tagged(Der.CONTEXT, 0, "ctxParams1"), r.structure());
        r.end();
        return new EuiccSigned1(tid, address, challenge, info2, ctx);
    }
}
