package io.vinbind.esim.message;

import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1TaggedObject;
import org.bouncycastle.asn1.DEROctetString;

/**
 * SGP.22 {@code ProfileInstallationResult} (BF37, §5.5): the eUICC's signed verdict on a bound profile
 * package, answered to the last segment (or to the segment that failed), kept as a pending install
 * notification until the SM-DP+ took it.
 *
 * @param transactionId the SM-DP+'s transaction
 * @param metadata the notification's sequence number, address and ICCID
 * @param smdpOid the OID in the SM-DP+'s DPpb certificate
 * @param result success with the ISD-P's AID, or the failing command and reason
 * @param signature euiccSignPIR, r||s over {@link #signedData()}
 */
public record ProfileInstallationResult(byte[] transactionId, NotificationMetadata metadata, String smdpOid,
                                        FinalResult result, byte[] signature) implements PendingNotification {

    /** {@code finalResult}. */
    public sealed interface FinalResult {
    }

    /** {@code successResult}: the ISD-P's AID and the SIMA response (EUICCResponse per PE). */
    public record Success(byte[] isdpAid, byte[] simaResponse) implements FinalResult {
        public Success {
            isdpAid = Bytes.sized(isdpAid, "isdpAid", 5, 16);
            simaResponse = Bytes.copy(simaResponse, "simaResponse");
        }

        @Override
        public byte[] isdpAid() {
            return isdpAid.clone();
        }

        @Override
        public byte[] simaResponse() {
            return simaResponse.clone();
        }
    }

    /** {@code errorResult}. */
    public record Error(BppCommandId bppCommandId, InstallErrorReason reason) implements FinalResult {
        public Error {
            Objects.requireNonNull(bppCommandId, "bppCommandId");
            Objects.requireNonNull(reason, "reason");
        }
    }

    public ProfileInstallationResult {
        transactionId = Bytes.sized(transactionId, "transactionId", 1, 16);
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(smdpOid, "smdpOid");
        Objects.requireNonNull(result, "result");
        signature = Bytes.copy(signature, "signature");
    }

    @Override
    public byte[] transactionId() {
        return transactionId.clone();
    }

    @Override
    public byte[] signature() {
        return signature.clone();
    }

    /** True for a successful installation. */
    public boolean succeeded() {
        return result instanceof Success;
    }

    /** The DER euiccSignPIR covers: ProfileInstallationResultData (BF27). */
    public byte[] signedData() {
        return signedData(transactionId, metadata, smdpOid, result);
    }

    public static byte[] signedData(byte[] transactionId, NotificationMetadata metadata, String smdpOid, FinalResult result) {
        return Der.encode(data(transactionId, metadata, smdpOid, result));
    }

    private static ASN1Encodable data(byte[] transactionId, NotificationMetadata metadata, String smdpOid, FinalResult result) {
        ASN1Encodable r;
        if (result instanceof Success s) {
            r = Der.ctx(0, Der.seq(Der.app(15, s.isdpAid), new DEROctetString(s.simaResponse)));
        } else {
            Error e = (Error) result;
            r = Der.ctx(1, Der.seq(Der.ctxInt(0, e.bppCommandId().value()), Der.ctxInt(1, e.reason().value())));
        }
        return Der.seq(Der.CONTEXT, 39, Der.ctx(0, transactionId), metadata.toAsn1(), new ASN1ObjectIdentifier(smdpOid),
            Der.explicit(Der.CONTEXT, 2, r));
    }

    @Override
    public ASN1Encodable toAsn1() {
        return Der.seq(Der.CONTEXT, 55, data(transactionId, metadata, smdpOid, result), Der.app(55, signature));
    }

    public static ProfileInstallationResult decode(byte[] der) {
        return from(Der.parseTagged(der, Der.CONTEXT, 55, "ProfileInstallationResult"));
    }

    static ProfileInstallationResult from(ASN1TaggedObject t) {
        Der.Reader outer = Der.Reader.implicit(t, "ProfileInstallationResult");
        Der.Reader r = outer.sequence(Der.CONTEXT, 39, "profileInstallationResultData");
        byte[] sig = outer.octets(Der.APPLICATION, 55, "euiccSignPIR");
        outer.end();
        byte[] tid = r.octets(Der.CONTEXT, 0, "transactionId", 1, 16);
        NotificationMetadata m = NotificationMetadata.from(r.tagged(Der.CONTEXT, 47, "notificationMetadata"));
        String oid = r.universal(ASN1ObjectIdentifier.class, "smdpOid").getId();
        ASN1TaggedObject choice = Choice.of(r.tagged(Der.CONTEXT, 2, "finalResult"), r.structure());
        r.end();
        Der.Reader fr = Der.Reader.implicit(choice, r.structure() + ".finalResult");
        FinalResult result;
        if (choice.getTagNo() == 0) {
            byte[] aid = fr.octets(Der.APPLICATION, 15, "aid", 5, 16);
            byte[] sima = fr.universal(ASN1OctetString.class, "simaResponse").getOctets();
            fr.end();
            result = new Success(aid, sima);
        } else if (choice.getTagNo() == 1) {
            long cmd = fr.integer(Der.CONTEXT, 0, "bppCommandId");
            long reason = fr.integer(Der.CONTEXT, 1, "errorReason");
            fr.rest();
            try {
                result = new Error(BppCommandId.of(cmd), InstallErrorReason.of(reason));
            } catch (IllegalArgumentException e) {
                throw fr.error(e.getMessage());
            }
        } else {
            throw fr.error("unknown finalResult alternative [" + choice.getTagNo() + "]");
        }
        return new ProfileInstallationResult(tid, m, oid, result, sig);
    }

}
