package io.vinbind.server.provisioning.lpa;

import io.vinbind.esim.message.NotificationMetadata;
import java.util.List;

/**
 * What {@link ServerLpa#deliverNotifications} did.
 *
 * @param delivered notifications the SM-DP+ took (HTTP 204) and that were then removed from the eUICC
 * @param left notifications still on the eUICC, each with why (e.g. {@code "seq 3 install to smdp.example: HTTP 500"})
 */
public record NotificationsDelivered(List<NotificationMetadata> delivered, List<String> left) {
    public NotificationsDelivered {
        delivered = List.copyOf(delivered);
        left = List.copyOf(left);
    }
}
