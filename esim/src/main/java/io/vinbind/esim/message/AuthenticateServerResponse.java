package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1TaggedObject;

/**
 * The eUICC's answer to ES10b.AuthenticateServer (BF38): a signed {@link Ok} with its certificates, or an
 * {@link Error} with an {@link AuthenticateErrorCode}. Relayed unchanged to ES9+.AuthenticateClient.
 */
public sealed interface AuthenticateServerResponse {

    byte[] encode();

    /** {@code authenticateResponseOk} (A0). */
    record Ok(EuiccSigned1 euiccSigned1, byte[] euiccSignature1, byte[] euiccCertificate, byte[] eumCertificate)
        implements AuthenticateServerResponse {

        public Ok {
            Objects.requireNonNull(euiccSigned1, "euiccSigned1");
            euiccSignature1 = Bytes.copy(euiccSignature1, "euiccSignature1");
            euiccCertificate = Bytes.copy(euiccCertificate, "euiccCertificate");
            eumCertificate = Bytes.copy(eumCertificate, "eumCertificate");
        }

        @Override
        public byte[] euiccSignature1() {
            return euiccSignature1.clone();
        }

        @Override
        public byte[] euiccCertificate() {
            return euiccCertificate.clone();
        }

        @Override
        public byte[] eumCertificate() {
            return eumCertificate.clone();
        }

        @Override
        public byte[] encode() {
            ASN1Encodable ok = Der.seq(euiccSigned1.toAsn1(), Der.app(55, euiccSignature1),
                Der.certificate(euiccCertificate, "AuthenticateResponseOk"),
                Der.certificate(eumCertificate, "AuthenticateResponseOk"));
            return Der.encode(Der.explicit(Der.CONTEXT, 56, Der.ctx(0, ok)));
        }
    }

    /** {@code authenticateResponseError} (A1). */
    record Error(byte[] transactionId, AuthenticateErrorCode code) implements AuthenticateServerResponse {

        public Error {
            transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
            Objects.requireNonNull(code, "code");
        }

        @Override
        public byte[] transactionId() {
            return transactionId.clone();
        }

        @Override
        public byte[] encode() {
            return Der.encode(Der.explicit(Der.CONTEXT, 56,
                Der.ctx(1, Der.seq(Der.ctx(0, transactionId), new ASN1Integer(code.value())))));
        }
    }

    static AuthenticateServerResponse decode(byte[] der) {
        String s = "AuthenticateServerResponse";
        ASN1TaggedObject outer = Der.parseTagged(der, Der.CONTEXT, 56, s);
        ASN1TaggedObject choice = Choice.of(outer, s);
        if (choice.getTagNo() == 0) {
            Der.Reader r = Der.Reader.implicit(choice, s + ".authenticateResponseOk");
            EuiccSigned1 signed = EuiccSigned1.from(r.universalSequence("euiccSigned1"));
            byte[] sig = r.octets(Der.APPLICATION, 55, "euiccSignature1");
            byte[] euicc = r.certificate("euiccCertificate");
            byte[] eum = r.certificate("eumCertificate");
            r.end();
            return new Ok(signed, sig, euicc, eum);
        }
        if (choice.getTagNo() == 1) {
            Der.Reader r = Der.Reader.implicit(choice, s + ".authenticateResponseError");
            byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
            long code = r.universal(ASN1Integer.class, "authenticateErrorCode").longValueExact();
            r.end();
            return new Error(tid, AuthenticateErrorCode.of((int) code));
        }
        throw new MalformedMessageException(s, "unknown alternative [" + choice.getTagNo() + "]");
    }
}
