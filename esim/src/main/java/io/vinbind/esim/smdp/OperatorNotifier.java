package io.vinbind.esim.smdp;

import io.vinbind.esim.rsp.Es2Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.esim.rsp.StatusCode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.tinylog.Logger;

/**
 * Sends ES2+.HandleDownloadProgressInfo to the operator's callback URL at each notification point
 * (SGP.22 §5.3.5), asynchronously with a 5 s bound; a failed delivery is logged with its cause and counted,
 * never retried (the bench's operator is a test's receiver).
 */
final class OperatorNotifier {

    private final URI callback;
    private final HttpClient http;
    private final AtomicLong failures = new AtomicLong();

    private final String token;

    OperatorNotifier(URI callback, String token) {
        this.callback = callback;
        this.token = token;
        this.http = callback == null ? null : HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    long failures() {
        return failures.get();
    }

    /** Reports a notification point; {@code failure} null for success. */
    void progress(SmdpStore.Order order, int point, StatusCode failure, String eid) {
        if (callback == null || order == null) {
            return;
        }
        Es2Plus.NotificationPointStatus status = failure == null
            ? new Es2Plus.NotificationPointStatus(Rsp.FunctionExecutionStatus.SUCCESS, null)
            : new Es2Plus.NotificationPointStatus(Rsp.FunctionExecutionStatus.FAILED,
                new Rsp.StatusCodeData(failure.subjectCode(), failure.reasonCode(), null, failure.text()));
        Es2Plus.HandleDownloadProgressInfoRequest body = new Es2Plus.HandleDownloadProgressInfoRequest(
            new Rsp.RequestHeader("vinbind-smdp-sim", UUID.randomUUID().toString()), eid, order.iccid(), order.profileType(),
            Instant.now().truncatedTo(ChronoUnit.MILLIS).toString(), point, status, null);
        HttpRequest.Builder req = HttpRequest.newBuilder(callback.resolve(Es2Plus.PATH + "handleDownloadProgressInfo"))
            .timeout(Duration.ofSeconds(5)).header("Content-Type", "application/json")
            .header("X-Admin-Protocol", Rsp.ADMIN_PROTOCOL)
            .POST(HttpRequest.BodyPublishers.ofByteArray(Rsp.write(body)));
        if (token != null) {
            req.header("Authorization", "Bearer " + token);
        }
        http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
            if (e != null) {
                failures.incrementAndGet();
                Logger.warn("SM-DP+: handleDownloadProgressInfo (point {}) to {} failed: {}", point, callback, e.toString());
            } else if (r.statusCode() / 100 != 2) {
                failures.incrementAndGet();
                Logger.warn("SM-DP+: handleDownloadProgressInfo (point {}) answered HTTP {}", point, r.statusCode());
            }
        });
    }
}
