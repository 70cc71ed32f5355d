package io.vinbind.esim.message;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;

/**
 * ES10b.AuthenticateServer (BF38, SGP.22 §5.7.13): the SM-DP+'s signed challenge, its DPauth certificate and
 * the CI it chose, relayed by the LPA together with its context (matchingId, device info).
 *
 * @param serverSigned1 the signed data
 * @param serverSignature1 r||s over {@code serverSigned1}'s DER, 64 bytes
 * @param euiccCiPkIdToBeUsed subject key identifier of the CI the eUICC shall sign with
 * @param serverCertificate CERT.DPauth.ECDSA as DER
 * @param ctxParams1 the LPA's context
 */
public record AuthenticateServerRequest(ServerSigned1 serverSigned1, byte[] serverSignature1, byte[] euiccCiPkIdToBeUsed,
                                        byte[] serverCertificate, CtxParams1 ctxParams1) {

    public AuthenticateServerRequest {
        java.util.Objects.requireNonNull(serverSigned1, "serverSigned1");
        serverSignature1 = Bytes.copy(serverSignature1, "serverSignature1");
        euiccCiPkIdToBeUsed = Bytes.copy(euiccCiPkIdToBeUsed, "euiccCiPkIdToBeUsed");
        serverCertificate = Bytes.copy(serverCertificate, "serverCertificate");
        java.util.Objects.requireNonNull(ctxParams1, "ctxParams1");
    }

    @Override
    public byte[] serverSignature1() {
        return serverSignature1.clone();
    }

    @Override
    public byte[] euiccCiPkIdToBeUsed() {
        return euiccCiPkIdToBeUsed.clone();
    }

    @Override
    public byte[] serverCertificate() {
        return serverCertificate.clone();
    }

    public byte[] encode() {
        return Der.encode(Der.seq(Der.CONTEXT, 56, serverSigned1.toAsn1(), Der.app(55, serverSignature1),
            new DEROctetString(euiccCiPkIdToBeUsed), Der.certificate(serverCertificate, "AuthenticateServerRequest"),
            ctxParams1.toAsn1()));
    }

    public static AuthenticateServerRequest decode(byte[] der) {
        Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 56, "AuthenticateServerRequest");
        ServerSigned1 s1 = ServerSigned1.from(r.universalSequence("serverSigned1"));
        byte[] sig = r.octets(Der.APPLICATION, 55, "serverSignature1");
        byte[] ci = r.universal(ASN1OctetString.class, "euiccCiPKIdToBeUsed").getOctets();
        byte[] cert = r.certificate("serverCertificate");
        CtxParams1 ctx = CtxParams1.from(r.tagged(Der.CONTEXT, 0, "ctxParams1"), r.structure());
        r.end();
        return new AuthenticateServerRequest(s1, sig, ci, cert, ctx);
    }

}
