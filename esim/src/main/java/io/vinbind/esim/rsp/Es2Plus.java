package io.vinbind.esim.rsp;

import java.util.Objects;

/**
 * ES2+ payloads (operator ⇄ SM-DP+, SGP.22 §5.3, §6.5.1), POSTed as JSON to {@code /gsma/rsp2/es2plus/{function}};
 * every request carries {@link Rsp.RequestHeader}, every response {@link Rsp.ResponseHeader}.
 */
public final class Es2Plus {
    public static final String PATH = "/gsma/rsp2/es2plus/";

    private Es2Plus() {
    }

    public record DownloadOrderRequest(Rsp.RequestHeader header, String eid, String iccid, String profileType) {
        public DownloadOrderRequest {
            Objects.requireNonNull(header, "header");
        }
    }

    public record DownloadOrderResponse(Rsp.ResponseHeader header, String iccid) {
    }

    public record ConfirmOrderRequest(Rsp.RequestHeader header, String iccid, String eid, String matchingId,
                                      String confirmationCode, String smdsAddress, Boolean releaseFlag) {
        public ConfirmOrderRequest {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(iccid, "iccid");
            Objects.requireNonNull(releaseFlag, "releaseFlag");
        }
    }

    public record ConfirmOrderResponse(Rsp.ResponseHeader header, String eid, String matchingId, String smdpAddress) {
    }

    public record CancelOrderRequest(Rsp.RequestHeader header, String iccid, String eid, String matchingId,
                                     String finalProfileStatusIndicator) {
        public CancelOrderRequest {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(iccid, "iccid");
            Objects.requireNonNull(finalProfileStatusIndicator, "finalProfileStatusIndicator");
            if (!finalProfileStatusIndicator.equals("Available") && !finalProfileStatusIndicator.equals("Unavailable")) {
                throw new IllegalArgumentException("finalProfileStatusIndicator must be Available or Unavailable");
            }
        }
    }

    public record ReleaseProfileRequest(Rsp.RequestHeader header, String iccid) {
        public ReleaseProfileRequest {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(iccid, "iccid");
        }
    }

    /** SM-DP+ → operator: progress of a download at a notification point (SGP.22 §5.3.5); answered 204. */
    public record HandleDownloadProgressInfoRequest(Rsp.RequestHeader header, String eid, String iccid, String profileType,
                                                    String timestamp, int notificationPointId,
                                                    NotificationPointStatus notificationPointStatus, String resultData) {
        public HandleDownloadProgressInfoRequest {
            Objects.requireNonNull(header, "header");
            Objects.requireNonNull(iccid, "iccid");
            Objects.requireNonNull(timestamp, "timestamp");
            Objects.requireNonNull(notificationPointStatus, "notificationPointStatus");
        }
    }

    /** {@code notificationPointStatus}: a functionExecutionStatus-like status of that point. */
    public record NotificationPointStatus(String status, Rsp.StatusCodeData statusCodeData) {
        public NotificationPointStatus {
            Objects.requireNonNull(status, "notificationPointStatus.status");
        }
    }

    /** Notification points (SGP.22 §5.3.5): 1-4 as the standard numbers them; 5-7 the bench's for ES10c operations. */
    public static final int NP_ELIGIBILITY = 1;
    public static final int NP_CONFIRMATION_FAILURE = 2;
    public static final int NP_BPP_DOWNLOAD = 3;
    public static final int NP_BPP_INSTALLATION = 4;
    public static final int NP_ENABLED = 5;
    public static final int NP_DISABLED = 6;
    public static final int NP_DELETED = 7;
}
