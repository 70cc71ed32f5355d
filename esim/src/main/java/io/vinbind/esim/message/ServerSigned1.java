package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;

/**
 * SGP.22 {@code ServerSigned1}: what the SM-DP+ signs with its DPauth key in ES9+.InitiateAuthentication
 * (§5.6.1), echoing the eUICC's challenge and adding its own.
 *
 * @param transactionId 1-16 bytes, chosen by the SM-DP+
 * @param euiccChallenge 16 bytes from ES10b.GetEUICCChallenge
 * @param serverAddress the SM-DP+ FQDN
 * @param serverChallenge 16 random bytes
 */
public record ServerSigned1(byte[] transactionId, byte[] euiccChallenge, String serverAddress, byte[] serverChallenge) {

    public ServerSigned1 {
        transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
        euiccChallenge = Bytes.sized(euiccChallenge, "euiccChallenge", 16, 16);
        Objects.requireNonNull(serverAddress, "serverAddress");
        serverChallenge = Bytes.sized(serverChallenge, "serverChallenge", 16, 16);
    }

    @Override
    public byte[] transactionId() {
        return transactionId.clone();
    }

    @Override
    public byte[] euiccChallenge() {
        return euiccChallenge.clone();
    }

    @Override
    public byte[] serverChallenge() {
        return serverChallenge.clone();
    }

    public ASN1Encodable toAsn1() {
        return Der.seq(Der.ctx(0, transactionId), Der.ctx(1, euiccChallenge), Der.ctxUtf8(3, serverAddress),
            Der.ctx(4, serverChallenge));
    }

    /** The DER the signature covers. */
    public byte[] encode() {
        return Der.encode(toAsn1());
    }

    public static ServerSigned1 decode(byte[] der) {
        return from(Der.Reader.of(Der.parse(der, "ServerSigned1"), "ServerSigned1"));
    }

    static ServerSigned1 from(Der.Reader r) {
        ServerSigned1 s = new ServerSigned1(r.octets(Der.CONTEXT, 0, "transactionId", 1, 16),
            r.octets(Der.CONTEXT, 1, "euiccChallenge", 16, 16), r.utf8(Der.CONTEXT, 3, "serverAddress"),
            r.octets(Der.CONTEXT, 4, "serverChallenge", 16, 16));
        r.end();
        return s;
    }
}
