package io.vinbind.esim.smdp;

import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.bpp.BppBuilder;
import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.crypto.Ecc;
import io.vinbind.esim.crypto.Scp03t;
import io.vinbind.esim.crypto.SessionKeys;
import io.vinbind.esim.message.AuthenticateServerResponse;
import io.vinbind.esim.message.CancelSession;
import io.vinbind.esim.message.ConfigureIsdpRequest;
import io.vinbind.esim.message.Der;
import io.vinbind.esim.message.EuiccInfo1;
import io.vinbind.esim.message.EuiccSigned1;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.InitialiseSecureChannelRequest;
import io.vinbind.esim.message.MalformedMessageException;
import io.vinbind.esim.message.NotificationEvent;
import io.vinbind.esim.message.OtherSignedNotification;
import io.vinbind.esim.message.PendingNotification;
import io.vinbind.esim.message.PrepareDownloadResponse;
import io.vinbind.esim.message.ProfileClass;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ServerSigned1;
import io.vinbind.esim.message.SmdpSigned2;
import io.vinbind.esim.message.StoreMetadata;
import io.vinbind.esim.pki.CertificateCheckException;
import io.vinbind.esim.pki.Sgp22CertPath;
import io.vinbind.esim.pki.SmdpCredentials;
import io.vinbind.esim.rsp.Es2Plus;
import io.vinbind.esim.rsp.Es9Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.esim.rsp.RspFormatException;
import io.vinbind.esim.rsp.StatusCode;
import io.vinbind.esim.smdp.SmdpStore.Order;
import io.vinbind.esim.smdp.SmdpStore.ProfileState;
import io.vinbind.esim.smdp.SmdpStore.Session;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.tinylog.Logger;

/**
 * The SM-DP+'s ES9+ functions (SGP.22 §5.6, §6.5.2) with the real checks: its own address, the eUICC's CI
 * key ids, the eUICC chain (EUM name constraint included) and every eUICC signature, the session's
 * transaction and stage, the order's matchingId, EID, expiry and confirmation code; a fresh one-time key
 * pair per bound profile package. Callers synchronise on the store.
 */
final class Es9Service {

    static final String STAGE_INITIATED = "INITIATED";
    static final String STAGE_AUTHENTICATED = "AUTHENTICATED";
    static final String STAGE_DELIVERED = "DELIVERED";
    /** An RSP session not finished within this time is forgotten (its transactionId becomes unknown). */
    static final long SESSION_TTL_MILLIS = 15 * 60 * 1000L;

    private final SmdpConfig config;
    private final SmdpCredentials creds;
    private final SmdpStore store;
    private final OperatorNotifier notifier;
    private final byte[] ciKeyId;

    Es9Service(SmdpConfig config, SmdpStore store, OperatorNotifier notifier) {
        this.config = config;
        this.creds = config.credentials();
        this.store = store;
        this.notifier = notifier;
        this.ciKeyId = Sgp22CertPath.subjectKeyId(creds.trustedCis().get(0));
    }

    Es9Plus.InitiateAuthenticationResponse initiateAuthentication(Es9Plus.InitiateAuthenticationRequest req)
        throws SmdpRefusal, RspFormatException {
        if (!creds.address().equalsIgnoreCase(req.smdpAddress())) {
            throw new SmdpRefusal(StatusCode.WRONG_SMDP_ADDRESS, "this SM-DP+ is " + creds.address() + ", not "
                + printable(req.smdpAddress()));
        }
        byte[] challenge = Rsp.unb64(req.euiccChallenge(), "euiccChallenge");
        if (challenge.length != 16) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, "euiccChallenge must be 16 bytes");
        }
        EuiccInfo1 info1 = decode(() -> EuiccInfo1.decode(Rsp.unb64(req.euiccInfo1(), "euiccInfo1")), "euiccInfo1");
        boolean supported = info1.ciPkIdsForVerification().stream().anyMatch(id -> Arrays.equals(id, ciKeyId));
        if (!supported) {
            throw new SmdpRefusal(StatusCode.CI_NOT_SUPPORTED, "the eUICC verifies with none of this SM-DP+'s CIs");
        }
        long now = System.currentTimeMillis();
        store.sessions().values().removeIf(x -> now - x.createdMillis() > SESSION_TTL_MILLIS);
        byte[] tid = Ecc.random(16);
        byte[] serverChallenge = Ecc.random(16);
        ServerSigned1 s1 = new ServerSigned1(tid, challenge, creds.address(), serverChallenge);
        byte[] sig = Ecc.sign(creds.dpAuthKey(), s1.encode());
        store.sessions().put(Rsp.hex(tid), new Session(Rsp.hex(tid), STAGE_INITIATED, null, null, Rsp.hex(serverChallenge),
            null, null, false, null, System.currentTimeMillis()));
        store.save();
        return new Es9Plus.InitiateAuthenticationResponse(Rsp.ResponseHeader.success(), Rsp.hex(tid), Rsp.b64(s1.encode()),
            Rsp.b64(Der.encode(Der.app(55, sig))), Rsp.b64(Der.encode(new DEROctetString(ciKeyId))), Rsp.b64(der(creds.dpAuth())));
    }

    Es9Plus.AuthenticateClientResponse authenticateClient(Es9Plus.AuthenticateClientRequest req)
        throws SmdpRefusal, RspFormatException {
        Session s = session(req.transactionId(), STAGE_INITIATED);
        AuthenticateServerResponse resp = decode(() -> AuthenticateServerResponse.decode(
            Rsp.unb64(req.authenticateServerResponse(), "authenticateServerResponse")), "authenticateServerResponse");
        if (resp instanceof AuthenticateServerResponse.Error e) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.EUICC_REFUSED, "the eUICC refused the server: " + e.code());
        }
        AuthenticateServerResponse.Ok ok = (AuthenticateServerResponse.Ok) resp;
        Sgp22CertPath.EuiccChain chain;
        try {
            chain = Sgp22CertPath.checkEuicc(ok.euiccCertificate(), ok.eumCertificate(), creds.trustedCis(), new Date());
        } catch (CertificateCheckException e) {
            endSession(s);
            throw new SmdpRefusal(switch (e.reason()) {
                case EID_OUT_OF_RANGE -> StatusCode.EID_OUT_OF_RANGE;
                case EUM_INVALID, EUM_EXPIRED -> StatusCode.EUM_CERTIFICATE_INVALID;
                case CI_UNKNOWN -> StatusCode.CI_NOT_SUPPORTED;
                default -> StatusCode.EUICC_CERTIFICATE_INVALID;
            }, e.getMessage());
        }
        EuiccSigned1 signed = ok.euiccSigned1();
        if (!Ecc.verify(chain.euiccKey(), signed.encode(), ok.euiccSignature1())) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.INVALID_SIGNATURE, "euiccSignature1 does not verify with the eUICC's key");
        }
        if (!Rsp.hex(signed.transactionId()).equals(s.transactionId())
            || !Rsp.hex(signed.serverChallenge()).equals(s.serverChallenge())
            || !creds.address().equalsIgnoreCase(signed.serverAddress())) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.INVALID_SIGNATURE, "euiccSigned1 is for another transaction, challenge or server");
        }
        String matchingId = signed.ctxParams1().matchingId();
        if (matchingId == null || matchingId.isEmpty()) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.MATCHING_ID_REFUSED, "no matchingId (SM-DS and default SM-DP+ flows are not offered)");
        }
        if (config.faults().refusedMatchingIds().contains(matchingId)) {
            endSession(s);
            notifier.progress(null, Es2Plus.NP_ELIGIBILITY, StatusCode.MATCHING_ID_REFUSED, chain.eid());
            throw new SmdpRefusal(StatusCode.MATCHING_ID_REFUSED, "matchingId refused (fault)");
        }
        Order order = store.orders().values().stream().filter(o -> matchingId.equals(o.matchingId())).findFirst()
            .orElse(null);
        if (order == null) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.MATCHING_ID_REFUSED, "no order has matchingId " + printable(matchingId));
        }
        if (config.faults().expireOrders() || System.currentTimeMillis() > order.expiresAtMillis()) {
            endSession(s);
            notifier.progress(order, Es2Plus.NP_ELIGIBILITY, StatusCode.ORDER_EXPIRED, chain.eid());
            throw new SmdpRefusal(StatusCode.ORDER_EXPIRED, "the order for " + order.iccid() + " expired");
        }
        if (order.eid() != null && !order.eid().equals(chain.eid())) {
            endSession(s);
            notifier.progress(order, Es2Plus.NP_ELIGIBILITY, StatusCode.EID_MISMATCH, chain.eid());
            throw new SmdpRefusal(StatusCode.EID_MISMATCH, "the order is for another EID");
        }
        if (order.state() != ProfileState.RELEASED) {
            endSession(s);
            throw new SmdpRefusal(order.state() == ProfileState.CONFIRMED ? StatusCode.PROFILE_NOT_RELEASED
                : StatusCode.PROFILE_UNAVAILABLE, "profile " + order.iccid() + " is " + order.state());
        }
        boolean cc = order.confirmationCodeHash() != null;
        SmdpSigned2 s2 = new SmdpSigned2(signed.transactionId(), cc, null);
        byte[] sig2 = Ecc.sign(creds.dpPbKey(), concat(s2.encode(), Der.encode(Der.app(55, ok.euiccSignature1()))));
        String euiccCert = Base64.getEncoder().encodeToString(ok.euiccCertificate());
        store.sessions().put(s.transactionId(), new Session(s.transactionId(), STAGE_AUTHENTICATED, order.iccid(), chain.eid(),
            s.serverChallenge(), Base64.getEncoder().encodeToString(ok.euiccSignature1()), Base64.getEncoder().encodeToString(sig2),
            cc, euiccCert, s.createdMillis()));
        store.orders().put(order.iccid(), new Order(order.iccid(), order.imsi(), order.profileType(), order.state(),
            chain.eid(), order.matchingId(), order.confirmationCodeHash(), order.expiresAtMillis(), order.wrongCodes(), euiccCert));
        store.save();
        notifier.progress(store.orders().get(order.iccid()), Es2Plus.NP_ELIGIBILITY, null, chain.eid());
        Logger.info("SM-DP+: eUICC {} authenticated for profile {} (transaction {})", chain.eid(), order.iccid(), s.transactionId());
        return new Es9Plus.AuthenticateClientResponse(Rsp.ResponseHeader.success(), s.transactionId(),
            Rsp.b64(metadata(order).encode()), Rsp.b64(s2.encode()), Rsp.b64(Der.encode(Der.app(55, sig2))),
            Rsp.b64(der(creds.dpPb())));
    }

    Es9Plus.GetBoundProfilePackageResponse getBoundProfilePackage(Es9Plus.GetBoundProfilePackageRequest req)
        throws SmdpRefusal, RspFormatException {
        Session s = session(req.transactionId(), STAGE_AUTHENTICATED);
        Order order = store.orders().get(s.iccid());
        PrepareDownloadResponse resp = decode(() -> PrepareDownloadResponse.decode(
            Rsp.unb64(req.prepareDownloadResponse(), "prepareDownloadResponse")), "prepareDownloadResponse");
        if (resp instanceof PrepareDownloadResponse.Error e) {
            endSession(s);
            notifier.progress(order, Es2Plus.NP_BPP_DOWNLOAD, StatusCode.EUICC_REFUSED, s.eid());
            throw new SmdpRefusal(StatusCode.EUICC_REFUSED, "the eUICC refused PrepareDownload: " + e.code());
        }
        PrepareDownloadResponse.Ok ok = (PrepareDownloadResponse.Ok) resp;
        X509Certificate euiccCert = certificate(s.euiccCertificate());
        byte[] smdpSignature2 = Base64.getDecoder().decode(s.smdpSignature2());
        byte[] signed = concat(ok.euiccSigned2().encode(), Der.encode(Der.app(55, smdpSignature2)));
        if (!Ecc.verify(euiccCert.getPublicKey(), signed, ok.euiccSignature2())) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.INVALID_SIGNATURE, "euiccSignature2 does not verify with the eUICC's key");
        }
        if (!Rsp.hex(ok.euiccSigned2().transactionId()).equals(s.transactionId())) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.TRANSACTION_UNKNOWN, "euiccSigned2 names another transaction");
        }
        if (s.ccRequired()) {
            checkConfirmationCode(order, ok.euiccSigned2().hashCc(), ok.euiccSigned2().transactionId(), s);
        }
        byte[] euiccOtpk = ok.euiccSigned2().euiccOtpk();
        KeyPair oneTime = Ecc.generateKeyPair(); // otPK/otSK.DP.ECKA: fresh for this package, never stored
        byte[] secret;
        try {
            secret = Ecc.sharedSecret(oneTime.getPrivate(), Ecc.decodePoint(euiccOtpk));
        } catch (IllegalArgumentException e) {
            endSession(s);
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, "euiccOtpk: " + e.getMessage());
        }
        byte[] hostId = Ecc.random(16);
        SessionKeys keys = Scp03t.deriveKeys(secret, InitialiseSecureChannelRequest.KEY_TYPE_AES,
            InitialiseSecureChannelRequest.KEY_LENGTH, hostId, io.vinbind.esim.pki.Eid.toBytes(s.eid()));
        Arrays.fill(secret, (byte) 0);
        byte[] tid = ok.euiccSigned2().transactionId();
        byte[] smdpOtpk = Ecc.encodePoint(oneTime.getPublic());
        byte[] iscSig = Ecc.sign(creds.dpPbKey(), InitialiseSecureChannelRequest.signedData(tid, hostId, smdpOtpk, euiccOtpk));
        InitialiseSecureChannelRequest isc = new InitialiseSecureChannelRequest(tid, hostId, smdpOtpk, iscSig);
        ProfilePackage profile = ProfilePackage.of(new Iccid(order.iccid()), order.imsi(), order.profileType());
        BoundProfilePackage bpp = BppBuilder.bind(isc, keys, new ConfigureIsdpRequest(creds.smdpOid()), metadata(order),
            profile.encode(Ecc.random(16), Ecc.random(16)),
            config.profileProtectionKeys() ? new SessionKeys(Ecc.random(16), Ecc.random(16), Ecc.random(16)) : null);
        store.sessions().put(s.transactionId(), new Session(s.transactionId(), STAGE_DELIVERED, s.iccid(), s.eid(),
            s.serverChallenge(), s.euiccSignature1(), s.smdpSignature2(), s.ccRequired(), s.euiccCertificate(), s.createdMillis()));
        store.orders().put(order.iccid(), order.with(ProfileState.DOWNLOADED));
        store.save();
        notifier.progress(store.orders().get(order.iccid()), Es2Plus.NP_BPP_DOWNLOAD, null, s.eid());
        byte[] encoded = bpp.encode();
        Logger.info("SM-DP+: bound profile package for {} ({} bytes, {} segments) delivered to eUICC {}", order.iccid(),
            encoded.length, bpp.segments().size(), s.eid());
        return new Es9Plus.GetBoundProfilePackageResponse(Rsp.ResponseHeader.success(), s.transactionId(), Rsp.b64(encoded));
    }

    /** handleNotification: the notification is checked and applied; a bad one is refused (logged) but still answered 204. */
    void handleNotification(Es9Plus.HandleNotificationRequest req) throws RspFormatException {
        PendingNotification n = decode(() -> PendingNotification.decode(Rsp.unb64(req.pendingNotification(), "pendingNotification")),
            "pendingNotification");
        if (n instanceof ProfileInstallationResult pir) {
            Order order = n.metadata().iccid() == null ? null : store.orders().get(n.metadata().iccid().digits());
            Session s = store.sessions().get(Rsp.hex(pir.transactionId()));
            String certB64 = s != null ? s.euiccCertificate() : order == null ? null : order.euiccCertificate();
            if (certB64 == null) {
                Logger.warn("SM-DP+: installation result for unknown transaction {} ignored", Rsp.hex(pir.transactionId()));
                return;
            }
            if (!Ecc.verify(certificate(certB64).getPublicKey(), pir.signedData(), pir.signature())) {
                Logger.warn("SM-DP+: installation result of transaction {} has a bad euiccSignPIR; ignored",
                    Rsp.hex(pir.transactionId()));
                return;
            }
            if (s != null) {
                store.sessions().remove(s.transactionId());
            }
            if (order == null && s != null) {
                order = store.orders().get(s.iccid());
            }
            if (order != null) {
                boolean ok = pir.succeeded();
                store.orders().put(order.iccid(), order.with(ok ? ProfileState.INSTALLED : ProfileState.RELEASED));
                notifier.progress(store.orders().get(order.iccid()), Es2Plus.NP_BPP_INSTALLATION, ok ? null : StatusCode.EUICC_REFUSED,
                    order.eid());
                Logger.info("SM-DP+: profile {} installation {}", order.iccid(), ok ? "succeeded"
                    : "failed: " + pir.result());
            }
            store.save();
            return;
        }
        OtherSignedNotification o = (OtherSignedNotification) n;
        try {
            Sgp22CertPath.EuiccChain chain = Sgp22CertPath.checkEuicc(o.euiccCertificate(), o.eumCertificate(), creds.trustedCis(),
                new Date());
            if (!Ecc.verify(chain.euiccKey(), o.signedData(), o.signature())) {
                Logger.warn("SM-DP+: {} notification {} has a bad signature; ignored", o.metadata().operation(),
                    o.metadata().seqNumber());
                return;
            }
        } catch (CertificateCheckException e) {
            Logger.warn("SM-DP+: {} notification with a refused eUICC chain ignored: {}", o.metadata().operation(), e.getMessage());
            return;
        }
        Order order = o.metadata().iccid() == null ? null : store.orders().get(o.metadata().iccid().digits());
        if (order != null) {
            int point = o.metadata().operation() == NotificationEvent.ENABLE ? Es2Plus.NP_ENABLED
                : o.metadata().operation() == NotificationEvent.DISABLE ? Es2Plus.NP_DISABLED : Es2Plus.NP_DELETED;
            if (o.metadata().operation() == NotificationEvent.DELETE) {
                store.orders().put(order.iccid(), order.with(ProfileState.UNAVAILABLE));
                store.save();
            }
            notifier.progress(order, point, null, order.eid());
        }
        Logger.info("SM-DP+: {} notification {} for {} accepted", o.metadata().operation(), o.metadata().seqNumber(),
            o.metadata().iccid());
    }

    void cancelSession(Es9Plus.CancelSessionRequest req) throws SmdpRefusal, RspFormatException {
        byte[] tid = Rsp.unhex(req.transactionId(), "transactionId");
        Session s = store.sessions().get(Rsp.hex(tid));
        if (s == null) {
            throw new SmdpRefusal(StatusCode.TRANSACTION_UNKNOWN, "unknown transactionId " + Rsp.hex(tid));
        }
        CancelSession.Response r = decode(() -> CancelSession.Response.decode(
            Rsp.unb64(req.cancelSessionResponse(), "cancelSessionResponse")), "cancelSessionResponse");
        if (r.errorCode() != null) {
            throw new SmdpRefusal(StatusCode.EUICC_REFUSED, "the eUICC could not cancel: error " + r.errorCode());
        }
        if (!Arrays.equals(r.transactionId(), tid) || !creds.smdpOid().equals(r.smdpOid())) {
            throw new SmdpRefusal(StatusCode.INVALID_SIGNATURE, "the cancellation is for another transaction or SM-DP+");
        }
        if (s.euiccCertificate() != null && !Ecc.verify(certificate(s.euiccCertificate()).getPublicKey(),
            CancelSession.Response.signedData(tid, r.smdpOid(), r.reason()), r.signature())) {
            throw new SmdpRefusal(StatusCode.INVALID_SIGNATURE, "euiccCancelSessionSignature does not verify");
        }
        endSession(s);
        Order order = s.iccid() == null ? null : store.orders().get(s.iccid());
        if (order != null && order.state() == ProfileState.DOWNLOADED) {
            store.orders().put(order.iccid(), order.with(ProfileState.RELEASED));
        }
        store.save();
        Logger.info("SM-DP+: transaction {} cancelled by the eUICC: {}", s.transactionId(), r.reason());
    }

    private void checkConfirmationCode(Order order, byte[] hashCc, byte[] tid, Session s) throws SmdpRefusal {
        if (hashCc == null) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.CONFIRMATION_CODE_MISSING, "this order needs a confirmation code");
        }
        if (order.wrongCodes() >= config.confirmationCodeAttempts()) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.CONFIRMATION_CODE_RETRIES_EXCEEDED, "too many wrong confirmation codes");
        }
        byte[] expected = sha256(concat(java.util.HexFormat.of().parseHex(order.confirmationCodeHash()), tid));
        if (!MessageDigest.isEqual(expected, hashCc)) {
            Order counted = new Order(order.iccid(), order.imsi(), order.profileType(), order.state(), order.eid(),
                order.matchingId(), order.confirmationCodeHash(), order.expiresAtMillis(), order.wrongCodes() + 1,
                order.euiccCertificate());
            store.orders().put(order.iccid(), counted);
            endSession(s);
            notifier.progress(counted, Es2Plus.NP_CONFIRMATION_FAILURE, StatusCode.CONFIRMATION_CODE_REFUSED, s.eid());
            throw new SmdpRefusal(StatusCode.CONFIRMATION_CODE_REFUSED, "wrong confirmation code");
        }
    }

    private StoreMetadata metadata(Order order) {
        String address = creds.address();
        return new StoreMetadata(new Iccid(order.iccid()), "vinbind operator", order.profileType(), ProfileClass.OPERATIONAL,
            List.of(new StoreMetadata.NotificationTarget(List.of(NotificationEvent.INSTALL, NotificationEvent.ENABLE,
                NotificationEvent.DISABLE, NotificationEvent.DELETE), address)));
    }

    private Session session(String transactionId, String stage) throws SmdpRefusal, RspFormatException {
        byte[] tid = Rsp.unhex(transactionId, "transactionId");
        Session s = store.sessions().get(Rsp.hex(tid));
        if (s != null && System.currentTimeMillis() - s.createdMillis() > SESSION_TTL_MILLIS) {
            endSession(s);
            throw new SmdpRefusal(StatusCode.TRANSACTION_UNKNOWN, "transactionId " + Rsp.hex(tid) + " expired");
        }
        if (s == null || !stage.equals(s.stage())) {
            throw new SmdpRefusal(StatusCode.TRANSACTION_UNKNOWN, "transactionId " + Rsp.hex(tid)
                + (s == null ? " is unknown" : " is not at this step (" + s.stage() + ")"));
        }
        return s;
    }

    private void endSession(Session s) {
        store.sessions().remove(s.transactionId());
        store.save();
    }

    interface Decoder<T> {
        T decode() throws RspFormatException;
    }

    private static <T> T decode(Decoder<T> d, String field) throws RspFormatException {
        try {
            return d.decode();
        } catch (MalformedMessageException | IllegalArgumentException e) {
            throw new RspFormatException(StatusCode.INVALID_ELEMENT, field + ": " + e.getMessage());
        }
    }

    static X509Certificate certificate(String b64) {
        try {
            return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(Base64.getDecoder().decode(b64)));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException("stored eUICC certificate unreadable", e);
        }
    }

    static byte[] der(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] sha256(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static String printable(String s) {
        if (s == null) {
            return "null";
        }
        String t = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        return t.replaceAll("[^\\x20-\\x7e]", "?");
    }

}
