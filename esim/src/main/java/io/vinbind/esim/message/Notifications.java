package io.vinbind.esim.message;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1TaggedObject;

/**
 * The ES10b notification functions (SGP.22 §5.7.9, §5.7.10, §5.7.11): ListNotification (BF28),
 * RetrieveNotificationsList (BF2B) and RemoveNotificationFromList, coded as NotificationSent (BF30).
 */
public final class Notifications {
    private Notifications() {
    }

    /** ListNotification: the metadata of pending notifications, optionally of one operation only. */
    public record ListRequest(NotificationEvent operation) {
        public byte[] encode() {
            return Der.encode(operation == null ? Der.seq(Der.CONTEXT, 40)
                : Der.seq(Der.CONTEXT, 40, Der.ctx(1, Der.namedBits(operation.bit()))));
        }

        public static ListRequest decode(byte[] der) {
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 40, "ListNotificationRequest");
            NotificationEvent op = r.has(Der.CONTEXT, 1) ? event(r, 1) : null;
            r.end();
            return new ListRequest(op);
        }
    }

    /** ListNotification's answer: the list ({@code error} false) or listNotificationsResultError (127). */
    public record ListResponse(List<NotificationMetadata> notifications, boolean error) {
        public ListResponse {
            notifications = List.copyOf(notifications);
        }

        public byte[] encode() {
            if (error) {
                return Der.encode(Der.explicit(Der.CONTEXT, 40, Der.ctxInt(1, 127)));
            }
            List<ASN1Encodable> items = new ArrayList<>();
            notifications.forEach(n -> items.add(n.toAsn1()));
            return Der.encode(Der.explicit(Der.CONTEXT, 40, Der.ctx(0, Der.seq(items))));
        }

        public static ListResponse decode(byte[] der) {
            String s = "ListNotificationResponse";
            ASN1TaggedObject c = Choice.of(Der.parseTagged(der, Der.CONTEXT, 40, s), s);
            if (c.getTagNo() == 1) {
                return new ListResponse(List.of(), true);
            }
            Der.Reader r = Der.Reader.implicit(c, s);
            List<NotificationMetadata> out = new ArrayList<>();
            for (ASN1Encodable e : r.rest()) {
                out.add(NotificationMetadata.from(e));
            }
            return new ListResponse(out, false);
        }
    }

    /** RetrieveNotificationsList: all pending notifications, or the one with a sequence number, or one operation's. */
    public record RetrieveRequest(Long seqNumber, NotificationEvent operation) {
        public RetrieveRequest {
            if (seqNumber != null && operation != null) {
                throw new IllegalArgumentException("searchCriteria is a CHOICE: seqNumber or operation, not both");
            }
        }

        public byte[] encode() {
            if (seqNumber != null) {
                return Der.encode(Der.seq(Der.CONTEXT, 43, Der.explicit(Der.CONTEXT, 0, Der.ctxInt(0, seqNumber))));
            }
            if (operation != null) {
                return Der.encode(Der.seq(Der.CONTEXT, 43,
                    Der.explicit(Der.CONTEXT, 0, Der.ctx(1, Der.namedBits(operation.bit())))));
            }
            return Der.encode(Der.seq(Der.CONTEXT, 43));
        }

        public static RetrieveRequest decode(byte[] der) {
            String s = "RetrieveNotificationsListRequest";
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 43, s);
            ASN1TaggedObject crit = r.optTagged(Der.CONTEXT, 0);
            r.end();
            if (crit == null) {
                return new RetrieveRequest(null, null);
            }
            ASN1TaggedObject c = Choice.of(crit, s + ".searchCriteria");
            Der.Reader one = Der.Reader.of(Der.seq(c), s + ".searchCriteria");
            if (c.getTagNo() == 0) {
                return new RetrieveRequest(one.integer(Der.CONTEXT, 0, "seqNumber"), null);
            }
            if (c.getTagNo() == 1) {
                return new RetrieveRequest(null, event(one, 1));
            }
            throw one.error("unknown searchCriteria [" + c.getTagNo() + "]");
        }
    }

    /** RetrieveNotificationsList's answer: the signed notifications, or notificationsListResultError (127). */
    public record RetrieveResponse(List<PendingNotification> notifications, boolean error) {
        public RetrieveResponse {
            notifications = List.copyOf(notifications);
        }

        public byte[] encode() {
            if (error) {
                return Der.encode(Der.explicit(Der.CONTEXT, 43, Der.ctxInt(1, 127)));
            }
            List<ASN1Encodable> items = new ArrayList<>();
            notifications.forEach(n -> items.add(n.toAsn1()));
            return Der.encode(Der.explicit(Der.CONTEXT, 43, Der.ctx(0, Der.seq(items))));
        }

        public static RetrieveResponse decode(byte[] der) {
            String s = "RetrieveNotificationsListResponse";
            ASN1TaggedObject c = Choice.of(Der.parseTagged(der, Der.CONTEXT, 43, s), s);
            if (c.getTagNo() == 1) {
                return new RetrieveResponse(List.of(), true);
            }
            Der.Reader r = Der.Reader.implicit(c, s);
            List<PendingNotification> out = new ArrayList<>();
            for (ASN1Encodable e : r.rest()) {
                out.add(PendingNotification.from(e));
            }
            return new RetrieveResponse(out, false);
        }
    }

    /** RemoveNotificationFromList (NotificationSent, BF30): the SM-DP+ took notification {@code seqNumber}. */
    public record SentRequest(long seqNumber) {
        public byte[] encode() {
            return Der.encode(Der.seq(Der.CONTEXT, 48, Der.ctxInt(0, seqNumber)));
        }

        public static SentRequest decode(byte[] der) {
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 48, "NotificationSentRequest");
            long seq = r.integer(Der.CONTEXT, 0, "seqNumber");
            r.end();
            return new SentRequest(seq);
        }
    }

    /** deleteNotificationStatus. */
    public enum DeleteStatus {
        OK(0), NOTHING_TO_DELETE(1), UNDEFINED_ERROR(127);

        private final int value;

        DeleteStatus(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        static DeleteStatus of(long v) {
            for (DeleteStatus d : values()) {
                if (d.value == v) {
                    return d;
                }
            }
            return UNDEFINED_ERROR;
        }
    }

    /** NotificationSent's answer. */
    public record SentResponse(DeleteStatus status) {
        public SentResponse {
            Objects.requireNonNull(status, "status");
        }

        public byte[] encode() {
            return Der.encode(Der.seq(Der.CONTEXT, 48, Der.ctxInt(0, status.value())));
        }

        public static SentResponse decode(byte[] der) {
            Der.Reader r = Der.parseSequence(der, Der.CONTEXT, 48, "NotificationSentResponse");
            long v = r.integer(Der.CONTEXT, 0, "deleteNotificationStatus");
            r.end();
            return new SentResponse(DeleteStatus.of(v));
        }
    }

    static NotificationEvent event(Der.Reader r, int tagNo) {
        List<Integer> bits = Der.bitsOf(r.bits(Der.CONTEXT, tagNo, "profileManagementOperation"));
        if (bits.size() != 1 || bits.get(0) > 3) {
            throw r.error("profileManagementOperation must have one of bits 0-3 set, has " + bits);
        }
        return NotificationEvent.ofBit(bits.get(0));
    }
}
