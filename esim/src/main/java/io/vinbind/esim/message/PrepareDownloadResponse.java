package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1TaggedObject;

/** The eUICC's answer to ES10b.PrepareDownload (BF21): {@link Ok} with its signed one-time key, or {@link Error}. */
public sealed interface PrepareDownloadResponse {

    byte[] encode();

    /** {@code downloadResponseOk} (A0). */
    record Ok(EuiccSigned2 euiccSigned2, byte[] euiccSignature2) implements PrepareDownloadResponse {
        public Ok {
            Objects.requireNonNull(euiccSigned2, "euiccSigned2");
            euiccSignature2 = Bytes.copy(euiccSignature2, "euiccSignature2");
        }

        @Override
        public byte[] euiccSignature2() {
            return euiccSignature2.clone();
        }

        @Override
        public byte[] encode() {
            return Der.encode(Der.explicit(Der.CONTEXT, 33,
                Der.ctx(0, Der.seq(euiccSigned2.toAsn1(), Der.app(55, euiccSignature2)))));
        }
    }

    /** {@code downloadResponseError} (A1). */
    record Error(byte[] transactionId, DownloadErrorCode code) implements PrepareDownloadResponse {
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
            return Der.encode(Der.explicit(Der.CONTEXT, 33,
                Der.ctx(1, Der.seq(Der.ctx(0, transactionId), new ASN1Integer(code.value())))));
        }
    }

    static PrepareDownloadResponse decode(byte[] der) {
        String s = "PrepareDownloadResponse";
        ASN1TaggedObject choice = Choice.of(Der.parseTagged(der, Der.CONTEXT, 33, s), s);
        Der.Reader r = Der.Reader.implicit(choice, s);
        if (choice.getTagNo() == 0) {
            EuiccSigned2 signed = EuiccSigned2.from(r.universalSequence("euiccSigned2"));
            byte[] sig = r.octets(Der.APPLICATION, 55, "euiccSignature2");
            r.end();
            return new Ok(signed, sig);
        }
        if (choice.getTagNo() == 1) {
            byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
            long code = r.universal(ASN1Integer.class, "downloadErrorCode").longValueExact();
            r.end();
            return new Error(tid, DownloadErrorCode.of((int) code));
        }
        throw r.error("unknown alternative [" + choice.getTagNo() + "]");
    }
}
