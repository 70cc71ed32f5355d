package io.vinbind.esim.smdp;

import io.vinbind.esim.crypto.Ecc;
import io.vinbind.esim.pki.Eid;
import io.vinbind.esim.rsp.Es2Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.esim.rsp.RspFormatException;
import io.vinbind.esim.rsp.StatusCode;
import io.vinbind.esim.smdp.SmdpStore.Order;
import io.vinbind.esim.smdp.SmdpStore.ProfileState;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.tinylog.Logger;

/**
 * The SM-DP+'s ES2+ functions for the operator (SGP.22 §5.3): downloadOrder, confirmOrder, cancelOrder,
 * releaseProfile, on the profile states of the inventory. Callers synchronise on the store.
 */
final class Es2Service {

    private static final String MATCHING_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    private final SmdpConfig config;
    private final SmdpStore store;

    Es2Service(SmdpConfig config, SmdpStore store) {
        this.config = config;
        this.store = store;
    }

    Es2Plus.DownloadOrderResponse downloadOrder(Es2Plus.DownloadOrderRequest req) throws SmdpRefusal, RspFormatException {
        String eid = checkEid(req.eid());
        Order order;
        if (req.iccid() != null) {
            order = store.orders().get(req.iccid());
            if (order == null) {
                throw new SmdpRefusal(StatusCode.ICCID_UNKNOWN, "ICCID " + Es9Service.printable(req.iccid()) + " is not in the inventory");
            }
            if (order.state() != ProfileState.AVAILABLE) {
                throw new SmdpRefusal(StatusCode.PROFILE_UNAVAILABLE, "profile " + order.iccid() + " is " + order.state());
            }
            if (req.profileType() != null && !req.profileType().equals(order.profileType())) {
                throw new SmdpRefusal(StatusCode.PROFILE_TYPE_UNAVAILABLE, "profile " + order.iccid() + " is of type "
                    + order.profileType());
            }
        } else if (req.profileType() != null) {
            order = store.orders().values().stream()
                .filter(o -> o.state() == ProfileState.AVAILABLE && o.profileType().equals(req.profileType())).findFirst()
                .orElseThrow(() -> new SmdpRefusal(StatusCode.PROFILE_TYPE_UNAVAILABLE, "no available profile of type "
                    + Es9Service.printable(req.profileType())));
        } else {
            throw new RspFormatException(StatusCode.MANDATORY_ELEMENT_MISSING, "downloadOrder needs iccid or profileType");
        }
        long expires = System.currentTimeMillis() + config.orderTtl().toMillis();
        store.orders().put(order.iccid(), new Order(order.iccid(), order.imsi(), order.profileType(),
            eid == null ? ProfileState.ALLOCATED : ProfileState.LINKED, eid, null, null, expires, 0, null));
        store.save();
        Logger.info("SM-DP+ ES2+: profile {} ordered{}", order.iccid(), eid == null ? "" : " for EID " + eid);
        return new Es2Plus.DownloadOrderResponse(Rsp.ResponseHeader.success(), order.iccid());
    }

    Es2Plus.ConfirmOrderResponse confirmOrder(Es2Plus.ConfirmOrderRequest req) throws SmdpRefusal, RspFormatException {
        Order order = order(req.iccid());
        if (order.state() != ProfileState.ALLOCATED && order.state() != ProfileState.LINKED) {
            throw new SmdpRefusal(StatusCode.PROFILE_UNAVAILABLE, "profile " + order.iccid() + " is " + order.state()
                + ", not allocated or linked");
        }
        if (System.currentTimeMillis() > order.expiresAtMillis() || config.faults().expireOrders()) {
            throw new SmdpRefusal(StatusCode.ORDER_EXPIRED, "the order for " + order.iccid() + " expired");
        }
        String eid = checkEid(req.eid());
        if (order.eid() != null && eid != null && !order.eid().equals(eid)) {
            throw new SmdpRefusal(StatusCode.EID_MISMATCH, "the order is linked to another EID");
        }
        String matchingId = req.matchingId();
        if (matchingId == null || matchingId.isEmpty()) {
            matchingId = newMatchingId();
        } else if (!matchingId.matches("[0-9A-Za-z-]{1,64}")) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, "matchingId must be 1-64 of [0-9A-Za-z-]");
        }
        String mid = matchingId;
        if (store.orders().values().stream().anyMatch(o -> mid.equals(o.matchingId()) && !o.iccid().equals(order.iccid()))) {
            throw new SmdpRefusal(StatusCode.MATCHING_ID_IN_USE, "matchingId " + mid + " is used by another order");
        }
        String ccHash = null;
        if (req.confirmationCode() != null && !req.confirmationCode().isEmpty()) {
            ccHash = HexFormat.of().formatHex(Es9Service.sha256(req.confirmationCode().getBytes(StandardCharsets.UTF_8)));
        }
        ProfileState next = req.releaseFlag() ? ProfileState.RELEASED : ProfileState.CONFIRMED;
        store.orders().put(order.iccid(), new Order(order.iccid(), order.imsi(), order.profileType(), next,
            eid != null ? eid : order.eid(), matchingId, ccHash, order.expiresAtMillis(), 0, null));
        store.save();
        Logger.info("SM-DP+ ES2+: order {} confirmed ({}), matchingId {}", order.iccid(), next, matchingId);
        return new Es2Plus.ConfirmOrderResponse(Rsp.ResponseHeader.success(), eid != null ? eid : order.eid(), matchingId,
            config.credentials().address());
    }

    Rsp.HeaderOnly cancelOrder(Es2Plus.CancelOrderRequest req) throws SmdpRefusal, RspFormatException {
        Order order = order(req.iccid());
        if (order.state() == ProfileState.AVAILABLE || order.state() == ProfileState.INSTALLED
            || order.state() == ProfileState.UNAVAILABLE) {
            throw new SmdpRefusal(StatusCode.PROFILE_UNAVAILABLE, "profile " + order.iccid() + " is " + order.state()
                + ": no order to cancel");
        }
        String eid = checkEid(req.eid());
        if (eid != null && order.eid() != null && !eid.equals(order.eid())) {
            throw new SmdpRefusal(StatusCode.EID_MISMATCH, "the order is for another EID");
        }
        if (req.matchingId() != null && order.matchingId() != null && !req.matchingId().equals(order.matchingId())) {
            throw new SmdpRefusal(StatusCode.MATCHING_ID_REFUSED, "matchingId does not match the order");
        }
        ProfileState fin = "Available".equals(req.finalProfileStatusIndicator()) ? ProfileState.AVAILABLE : ProfileState.UNAVAILABLE;
        store.orders().put(order.iccid(), new Order(order.iccid(), order.imsi(), order.profileType(), fin, null, null, null, 0,
            0, null));
        store.sessions().values().removeIf(s -> order.iccid().equals(s.iccid()));
        store.save();
        Logger.info("SM-DP+ ES2+: order {} cancelled, profile {}", order.iccid(), fin);
        return new Rsp.HeaderOnly(Rsp.ResponseHeader.success());
    }

    Rsp.HeaderOnly releaseProfile(Es2Plus.ReleaseProfileRequest req) throws SmdpRefusal, RspFormatException {
        Order order = order(req.iccid());
        if (order.state() != ProfileState.CONFIRMED) {
            throw new SmdpRefusal(StatusCode.PROFILE_UNAVAILABLE, "profile " + order.iccid() + " is " + order.state()
                + ", not confirmed");
        }
        store.orders().put(order.iccid(), order.with(ProfileState.RELEASED));
        store.save();
        return new Rsp.HeaderOnly(Rsp.ResponseHeader.success());
    }

    private Order order(String iccid) throws SmdpRefusal {
        Order o = store.orders().get(iccid);
        if (o == null) {
            throw new SmdpRefusal(StatusCode.ICCID_UNKNOWN, "ICCID " + Es9Service.printable(iccid) + " is not in the inventory");
        }
        return o;
    }

    private static String checkEid(String eid) throws RspFormatException {
        if (eid == null || eid.isEmpty()) {
            return null;
        }
        if (!Eid.valid(eid)) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, "eid must be 32 digits with valid check digits");
        }
        return eid;
    }

    private static String newMatchingId() {
        byte[] r = Ecc.random(20);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
            if (i > 0 && i % 5 == 0) {
                s.append('-');
            }
            s.append(MATCHING_ID_ALPHABET.charAt((r[i] & 0xFF) % MATCHING_ID_ALPHABET.length()));
        }
        return s.toString();
    }
}
