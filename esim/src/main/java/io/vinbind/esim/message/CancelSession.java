package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1TaggedObject;

/** ES10b.CancelSession (BF41, SGP.22 §5.7.14): the LPA ends a download; the eUICC signs the cancellation. */
public final class CancelSession {
    private CancelSession() {
    }

    /** {@code CancelSessionReason}. */
    public enum Reason {
        END_USER_REJECTION(0), POSTPONED(1), TIMEOUT(2), PPR_NOT_ALLOWED(3), METADATA_MISMATCH(4),
        LOAD_BPP_EXECUTION_ERROR(5), UNDEFINED_REASON(127);

        private final int value;

        Reason(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        public static Reason of(long v) {
            for (Reason r : values()) {
                if (r.value == v) {
                    return r;
                }
            }
            return UNDEFINED_REASON;
        }
    }

    public record Request(byte[] transactionId, Reason reason) {
        public Request {
            transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public byte[] transactionId() {
            return transactionId.clone();
        }

        public byte[] encode() {
            return Der.encode(Der.seq(Der.CONTEXT, 65, Der.ctx(0, transactionId), Der.ctxInt(1, reason.value())));
        }

        public static Request decode(byte[] der) {
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 65, "CancelSessionRequest");
            byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
            long reason = r.integer(Der.CONTEXT, 1, "reason");
            r.end();
            return new Request(tid, Reason.of(reason));
        }
    }

    /** {@code cancelSessionResponseOk}: signed (transactionId, smdpOid, reason); or an error code (5, 127). */
    public record Response(byte[] transactionId, String smdpOid, Reason reason, byte[] signature, Integer errorCode) {
        public Response {
            transactionId = Bytes.copyOrNull(transactionId);
            signature = Bytes.copyOrNull(signature);
            if (errorCode == null && (transactionId == null || smdpOid == null || reason == null || signature == null)) {
                throw new IllegalArgumentException("an ok response needs transactionId, smdpOid, reason and signature");
            }
        }

        public static Response error(int code) {
            return new Response(null, null, null, null, code);
        }

        @Override
        public byte[] transactionId() {
            return Bytes.copyOrNull(transactionId);
        }

        @Override
        public byte[] signature() {
            return Bytes.copyOrNull(signature);
        }

        /** The DER the signature covers: EuiccCancelSessionSigned. */
        public static byte[] signedData(byte[] transactionId, String smdpOid, Reason reason) {
            return Der.encode(signed(transactionId, smdpOid, reason));
        }

        private static ASN1Encodable signed(byte[] transactionId, String smdpOid, Reason reason) {
            return Der.seq(Der.ctx(0, transactionId), Der.ctx(1, new ASN1ObjectIdentifier(smdpOid)),
                Der.ctxInt(2, reason.value()));
        }

        public byte[] encode() {
            if (errorCode != null) {
                return Der.encode(Der.explicit(Der.CONTEXT, 65, Der.ctxInt(1, errorCode)));
            }
            return Der.encode(Der.explicit(Der.CONTEXT, 65,
                Der.ctx(0, Der.seq(signed(transactionId, smdpOid, reason), Der.app(55, signature)))));
        }

        public static Response decode(byte[] der) {
            String s = "CancelSessionResponse";
            ASN1TaggedObject c = Choice.of(Der.parseTagged(der, Der.CONTEXT, 65, s), s);
            if (c.getTagNo() == 1) {
                Der.Reader r = Der.Reader.of(Der.seq(c), s);
                return error((int) r.integer(Der.CONTEXT, 1, "cancelSessionResponseError"));
            }
            Der.Reader ok = Der.Reader.implicit(c, s);
            Der.Reader signed = ok.universalSequence("euiccCancelSessionSigned");
            byte[] sig = ok.octets(Der.APPLICATION, 55, "euiccCancelSessionSignature");
            ok.end();
            byte[] tid = signed.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
            String oid = signed.oid(Der.CONTEXT, 1, "smdpOid").getId();
            long reason = signed.integer(Der.CONTEXT, 2, "reason");
            signed.end();
            return new Response(tid, oid, Reason.of(reason), sig, null);
        }
    }
}
