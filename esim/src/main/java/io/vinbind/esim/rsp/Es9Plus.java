package io.vinbind.esim.rsp;

import java.util.Objects;

/**
 * ES9+ payloads (LPA → SM-DP+, SGP.22 §6.5.2), POSTed as JSON to {@code /gsma/rsp2/es9plus/{function}} with
 * {@code X-Admin-Protocol}. Binary fields are base64 of the DER, transaction ids hex.
 */
public final class Es9Plus {
    public static final String PATH = "/gsma/rsp2/es9plus/";

    private Es9Plus() {
    }

    public record InitiateAuthenticationRequest(String euiccChallenge, String euiccInfo1, String smdpAddress) {
        public InitiateAuthenticationRequest {
            Objects.requireNonNull(euiccChallenge, "euiccChallenge");
            Objects.requireNonNull(euiccInfo1, "euiccInfo1");
            Objects.requireNonNull(smdpAddress, "smdpAddress");
        }
    }

    public record InitiateAuthenticationResponse(Rsp.ResponseHeader header, String transactionId, String serverSigned1,
                                                 String serverSignature1, String euiccCiPKIdToBeUsed, String serverCertificate) {
    }

    public record AuthenticateClientRequest(String transactionId, String authenticateServerResponse) {
        public AuthenticateClientRequest {
            Objects.requireNonNull(transactionId, "transactionId");
            Objects.requireNonNull(authenticateServerResponse, "authenticateServerResponse");
        }
    }

    public record AuthenticateClientResponse(Rsp.ResponseHeader header, String transactionId, String profileMetadata,
                                             String smdpSigned2, String smdpSignature2, String smdpCertificate) {
    }

    public record GetBoundProfilePackageRequest(String transactionId, String prepareDownloadResponse) {
        public GetBoundProfilePackageRequest {
            Objects.requireNonNull(transactionId, "transactionId");
            Objects.requireNonNull(prepareDownloadResponse, "prepareDownloadResponse");
        }
    }

    public record GetBoundProfilePackageResponse(Rsp.ResponseHeader header, String transactionId, String boundProfilePackage) {
    }

    public record HandleNotificationRequest(String pendingNotification) {
        public HandleNotificationRequest {
            Objects.requireNonNull(pendingNotification, "pendingNotification");
        }
    }

    public record CancelSessionRequest(String transactionId, String cancelSessionResponse) {
        public CancelSessionRequest {
            Objects.requireNonNull(transactionId, "transactionId");
            Objects.requireNonNull(cancelSessionResponse, "cancelSessionResponse");
        }
    }
}
