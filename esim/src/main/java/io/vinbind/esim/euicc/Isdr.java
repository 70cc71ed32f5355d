package io.vinbind.esim.euicc;

import io.vinbind.esim.bpp.ProfileElementException;
import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.crypto.Ecc;
import io.vinbind.esim.crypto.Scp03t;
import io.vinbind.esim.crypto.Scp03tException;
import io.vinbind.esim.message.AuthenticateErrorCode;
import io.vinbind.esim.message.AuthenticateServerRequest;
import io.vinbind.esim.message.AuthenticateServerResponse;
import io.vinbind.esim.message.BppCommandId;
import io.vinbind.esim.message.CancelSession;
import io.vinbind.esim.message.Challenge;
import io.vinbind.esim.message.ConfigureIsdpRequest;
import io.vinbind.esim.message.Der;
import io.vinbind.esim.message.DownloadErrorCode;
import io.vinbind.esim.message.Es10Tag;
import io.vinbind.esim.message.EuiccInfo1;
import io.vinbind.esim.message.EuiccInfo2;
import io.vinbind.esim.message.EuiccSigned1;
import io.vinbind.esim.message.EuiccSigned2;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.InitialiseSecureChannelRequest;
import io.vinbind.esim.message.InstallErrorReason;
import io.vinbind.esim.message.MalformedMessageException;
import io.vinbind.esim.message.NotificationEvent;
import io.vinbind.esim.message.NotificationMetadata;
import io.vinbind.esim.message.Notifications;
import io.vinbind.esim.message.OtherSignedNotification;
import io.vinbind.esim.message.PendingNotification;
import io.vinbind.esim.message.PrepareDownloadRequest;
import io.vinbind.esim.message.PrepareDownloadResponse;
import io.vinbind.esim.message.ProfileInfo;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileManagement.Result;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.message.ReplaceSessionKeysRequest;
import io.vinbind.esim.message.StoreMetadata;
import io.vinbind.esim.pki.CertificateCheckException;
import io.vinbind.esim.pki.EuiccCredentials;
import io.vinbind.esim.pki.Eid;
import io.vinbind.esim.pki.Sgp22CertPath;
import io.vinbind.esim.pki.Sgp22Oids;
import java.io.ByteArrayOutputStream;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.tinylog.Logger;

/**
 * The ISD-R's ES10 functions (SGP.22 §5.7) and the ES8+ processing of a bound profile package (§5.5), with
 * the real cryptography: P-256 ECDSA (r||s) on everything it signs and checks, ECKA with its one-time key,
 * the X9.63 KDF, SCP03t decryption and MAC check of every segment, a signed ProfileInstallationResult. It
 * refuses what a certified eUICC refuses, with the SGP.22 error codes. One RSP session at a time.
 */
final class Isdr {

    /** Failures the APDU layer turns into a status word. */
    static final class Es10Refusal extends Exception {
        final int statusWord;

        Es10Refusal(int statusWord, String message) {
            super(message);
            this.statusWord = statusWord;
        }
    }

    private static final byte[] SVN = {2, 2, 2};
    private static final String ISDP_AID_PREFIX = "A0000005591010FFFFFFFF89";

    private final EuiccCredentials identity;
    private final EuiccConfig config;
    private final ProfileStore store;
    private final byte[] eid;
    private final List<byte[]> ciForVerification = new ArrayList<>();
    private final List<byte[]> ciForSigning = new ArrayList<>();
    private final Runnable onActiveChange;

    private enum Stage { NONE, AUTHENTICATED, PREPARED, LOADING }

    private enum Expect { ISC, A0, A0_MORE, A1, B88, A2_OR_A3, A2_MORE, A3_DONE, B86, DONE }

    // the RSP session (SGP.22 §3.1.3)
    private byte[] challenge;
    private Stage stage = Stage.NONE;
    private byte[] transactionId;
    private String serverAddress;
    private String smdpOid;
    private byte[] euiccSignature1;
    private KeyPair oneTime;
    private PublicKey dpPbKey;
    // BPP loading
    private Expect expect = Expect.ISC;
    private int remaining;
    private int segmentNumber;
    private Scp03t scp;
    private final ByteArrayOutputStream metadata = new ByteArrayOutputStream();
    private final ByteArrayOutputStream elements = new ByteArrayOutputStream();
    private StoreMetadata storeMetadata;

    Isdr(EuiccCredentials identity, EuiccConfig config, ProfileStore store, Runnable onActiveChange) {
        this.identity = identity;
        this.config = config;
        this.store = store;
        this.onActiveChange = onActiveChange;
        this.eid = Eid.toBytes(identity.eid());
        for (X509Certificate ci : identity.trustedCis()) {
            ciForVerification.add(Sgp22CertPath.subjectKeyId(ci));
        }
        ciForSigning.add(authorityKeyId(identity.eumCertificate()));
    }

    /** Processes one complete ES10 request; the answer's DER, or empty for a BPP segment that needs no answer. */
    byte[] process(byte[] request) throws Es10Refusal {
        if (request.length < 2) {
            throw new Es10Refusal(0x6A80, "ES10 request of " + request.length + " bytes");
        }
        int first = request[0] & 0xFF;
        Es10Tag function = first == 0xBF ? Es10Tag.ofNumber(request[1] & 0xFF) : null;
        if (stage == Stage.LOADING && first != 0xBF) {
            return loadSegment(request);
        }
        if (function == null) {
            if (first == 0xA0 || first == 0xA1 || first == 0xA2 || first == 0xA3 || first == 0x86 || first == 0x87
                || first == 0x88) {
                throw new Es10Refusal(0x6A88, String.format("BPP segment %02X without a bound profile package in progress", first));
            }
            throw new Es10Refusal(0x6A80, String.format("not an ES10 function tag: %02X %02X", first, request[1] & 0xFF));
        }
        try {
            return switch (function) {
                case EUICC_INFO1 -> {
                    Challenge.decodeEmpty(request, function.number(), "GetEuiccInfo1Request");
                    yield euiccInfo1().encode();
                }
                case EUICC_INFO2 -> {
                    Challenge.decodeEmpty(request, function.number(), "GetEuiccInfo2Request");
                    yield euiccInfo2().encode();
                }
                case GET_EUICC_CHALLENGE -> {
                    Challenge.decodeEmpty(request, function.number(), "GetEuiccChallengeRequest");
                    challenge = Ecc.random(16);
                    yield Challenge.response(challenge);
                }
                case GET_EUICC_DATA -> {
                    ProfileManagement.GetEidRequest.decode(request);
                    yield new ProfileManagement.GetEidResponse(eid).encode();
                }
                case AUTHENTICATE_SERVER -> authenticateServer(AuthenticateServerRequest.decode(request));
                case PREPARE_DOWNLOAD -> prepareDownload(PrepareDownloadRequest.decode(request));
                case BOUND_PROFILE_PACKAGE -> startBpp(request);
                case CANCEL_SESSION -> cancelSession(CancelSession.Request.decode(request));
                case LIST_NOTIFICATION -> listNotifications(Notifications.ListRequest.decode(request));
                case RETRIEVE_NOTIFICATIONS_LIST -> retrieveNotifications(Notifications.RetrieveRequest.decode(request));
                case NOTIFICATION_SENT -> notificationSent(Notifications.SentRequest.decode(request));
                case PROFILES_INFO -> profilesInfo(ProfileManagement.ProfilesInfoRequest.decode(request));
                case ENABLE_PROFILE -> enable(ProfileManagement.SwitchRequest.decode(request, ProfileManagement.Operation.ENABLE));
                case DISABLE_PROFILE -> disable(ProfileManagement.SwitchRequest.decode(request, ProfileManagement.Operation.DISABLE));
                case DELETE_PROFILE -> delete(ProfileManagement.DeleteRequest.decode(request));
                case SET_NICKNAME -> setNickname(request);
                default -> throw new Es10Refusal(0x6A80, function + " (" + Integer.toHexString(function.tag()).toUpperCase()
                    + ") is not a request the ISD-R takes");
            };
        } catch (MalformedMessageException | IllegalArgumentException e) {
            // a request that decodes but carries an impossible value (an ICCID with a hex digit...) is wrong data too
            throw new Es10Refusal(0x6A80, e.getMessage());
        }
    }

    EuiccInfo1 euiccInfo1() {
        return new EuiccInfo1(SVN, ciForVerification, ciForSigning);
    }

    EuiccInfo2 euiccInfo2() {
        long free = Math.max(0, config.memoryBytes() - store.usedMemory());
        return new EuiccInfo2(new byte[] {2, 3, 1}, SVN, new byte[] {1, 0, 0}, store.profiles().size(), free, 8 * 1024,
            ciForVerification, ciForSigning, new byte[] {0, 0, 1}, "vinbind-sim");
    }

    // ---- ES10b.AuthenticateServer (§5.7.13) ----

    private byte[] authenticateServer(AuthenticateServerRequest req) {
        byte[] tid = req.serverSigned1().transactionId();
        endSession("a new AuthenticateServer");
        AuthenticateErrorCode refusal = checkServer(req);
        if (refusal != null) {
            Logger.info("eUICC {}: AuthenticateServer refused: {}", identity.eid(), refusal);
            challenge = null;
            return new AuthenticateServerResponse.Error(tid, refusal).encode();
        }
        transactionId = tid;
        serverAddress = req.serverSigned1().serverAddress();
        stage = Stage.AUTHENTICATED;
        EuiccSigned1 signed = new EuiccSigned1(tid, serverAddress, req.serverSigned1().serverChallenge(), euiccInfo2(),
            req.ctxParams1());
        euiccSignature1 = Ecc.sign(identity.euiccKey(), signed.encode());
        challenge = null;
        return new AuthenticateServerResponse.Ok(signed, euiccSignature1, identity.euiccCertificateDer(),
            identity.eumCertificateDer()).encode();
    }

    private AuthenticateErrorCode checkServer(AuthenticateServerRequest req) {
        if (!containsId(ciForSigning, req.euiccCiPkIdToBeUsed()) && !containsId(ciForVerification, req.euiccCiPkIdToBeUsed())) {
            return AuthenticateErrorCode.CI_PK_UNKNOWN;
        }
        Sgp22CertPath.ServerChain chain;
        try {
            chain = Sgp22CertPath.checkServer(req.serverCertificate(), Sgp22Oids.DP_AUTH, identity.trustedCis(), new Date());
        } catch (CertificateCheckException e) {
            Logger.info("eUICC {}: DPauth certificate refused: {}", identity.eid(), e.getMessage());
            return e.reason() == CertificateCheckException.Reason.CI_UNKNOWN ? AuthenticateErrorCode.CI_PK_UNKNOWN
                : AuthenticateErrorCode.INVALID_CERTIFICATE;
        }
        if (!Ecc.verify(chain.certificate().getPublicKey(), req.serverSigned1().encode(), req.serverSignature1())) {
            return AuthenticateErrorCode.INVALID_SIGNATURE;
        }
        if (challenge == null || !Arrays.equals(challenge, req.serverSigned1().euiccChallenge())) {
            return AuthenticateErrorCode.EUICC_CHALLENGE_MISMATCH;
        }
        if (chain.smdpOid() == null) {
            return AuthenticateErrorCode.INVALID_OID;
        }
        smdpOid = chain.smdpOid();
        return null;
    }

    // ---- ES10b.PrepareDownload (§5.7.5) ----

    private byte[] prepareDownload(PrepareDownloadRequest req) {
        byte[] tid = req.smdpSigned2().transactionId();
        if (stage != Stage.AUTHENTICATED && stage != Stage.PREPARED) {
            return new PrepareDownloadResponse.Error(tid, DownloadErrorCode.NO_SESSION_CONTEXT).encode();
        }
        Sgp22CertPath.ServerChain chain;
        try {
            chain = Sgp22CertPath.checkServer(req.smdpCertificate(), Sgp22Oids.DP_PB, identity.trustedCis(), new Date());
        } catch (CertificateCheckException e) {
            Logger.info("eUICC {}: DPpb certificate refused: {}", identity.eid(), e.getMessage());
            return new PrepareDownloadResponse.Error(tid, DownloadErrorCode.INVALID_CERTIFICATE).encode();
        }
        if (!Arrays.equals(tid, transactionId)) {
            return new PrepareDownloadResponse.Error(tid, DownloadErrorCode.INVALID_TRANSACTION_ID).encode();
        }
        byte[] signed = concat(req.smdpSigned2().encode(), Der.encode(Der.app(55, euiccSignature1)));
        if (!Ecc.verify(chain.certificate().getPublicKey(), signed, req.smdpSignature2())) {
            return new PrepareDownloadResponse.Error(tid, DownloadErrorCode.INVALID_SIGNATURE).encode();
        }
        if (req.smdpSigned2().ccRequired() && req.hashCc() == null) {
            return new PrepareDownloadResponse.Error(tid, DownloadErrorCode.UNDEFINED_ERROR).encode();
        }
        byte[] retryKey = req.smdpSigned2().bppEuiccOtpk();
        if (retryKey == null || oneTime == null || !Arrays.equals(retryKey, Ecc.encodePoint(oneTime.getPublic()))) {
            oneTime = Ecc.generateKeyPair();
        }
        dpPbKey = chain.certificate().getPublicKey();
        EuiccSigned2 s2 = new EuiccSigned2(tid, Ecc.encodePoint(oneTime.getPublic()), req.hashCc());
        byte[] sig = Ecc.sign(identity.euiccKey(), concat(s2.encode(), Der.encode(Der.app(55, req.smdpSignature2()))));
        stage = Stage.PREPARED;
        return new PrepareDownloadResponse.Ok(s2, sig).encode();
    }

    // ---- ES10b.LoadBoundProfilePackage, ES8+ (§5.5, §2.5.5) ----

    private byte[] startBpp(byte[] segment) throws Es10Refusal {
        if (stage == Stage.LOADING) {
            Logger.info("eUICC {}: a new BPP replaces the one in progress", identity.eid());
        }
        segmentNumber = 0;
        expect = Expect.ISC;
        return loadSegment(segment);
    }

    private byte[] loadSegment(byte[] seg) throws Es10Refusal {
        segmentNumber++;
        BppCommandId cmd = commandOf(expect);
        if (config.interruptAtSegment() > 0 && segmentNumber == config.interruptAtSegment()) {
            Logger.info("eUICC {}: fault: download interrupted at segment {}", identity.eid(), segmentNumber);
            return installError(cmd, InstallErrorReason.INTERRUPTION);
        }
        try {
            switch (expect) {
                case ISC -> {
                    BerHeader h = header(seg, 0xBF36, false);
                    InitialiseSecureChannelRequest isc;
                    try {
                        isc = InitialiseSecureChannelRequest.decode(Arrays.copyOfRange(seg, h.headerLength(), seg.length));
                    } catch (InitialiseSecureChannelRequest.UnsupportedCrtException e) {
                        return installError(cmd, InstallErrorReason.UNSUPPORTED_CRT_VALUES);
                    }
                    if (stage != Stage.PREPARED || !Arrays.equals(isc.transactionId(), transactionId)) {
                        return installError(cmd, InstallErrorReason.INVALID_TRANSACTION_ID);
                    }
                    byte[] euiccOtpk = Ecc.encodePoint(oneTime.getPublic());
                    byte[] signed = InitialiseSecureChannelRequest.signedData(isc.transactionId(), isc.hostId(),
                        isc.smdpOtpk(), euiccOtpk);
                    if (!Ecc.verify(dpPbKey, signed, isc.smdpSign())) {
                        return installError(cmd, InstallErrorReason.INVALID_SIGNATURE);
                    }
                    byte[] secret;
                    try {
                        secret = Ecc.sharedSecret(oneTime.getPrivate(), Ecc.decodePoint(isc.smdpOtpk()));
                    } catch (IllegalArgumentException e) {
                        return installError(cmd, InstallErrorReason.INCORRECT_INPUT_VALUES);
                    }
                    oneTime = null; // otSK.EUICC.ECKA is used once and deleted (§3.1.3.3)
                    scp = new Scp03t(Scp03t.deriveKeys(secret, InitialiseSecureChannelRequest.KEY_TYPE_AES,
                        InitialiseSecureChannelRequest.KEY_LENGTH, isc.hostId(), eid));
                    Arrays.fill(secret, (byte) 0);
                    metadata.reset();
                    elements.reset();
                    storeMetadata = null;
                    stage = Stage.LOADING;
                    expect = Expect.A0;
                }
                case A0 -> {
                    BerHeader h = header(seg, 0xA0, false);
                    remaining = h.length();
                    configureIsdp(Arrays.copyOfRange(seg, h.headerLength(), seg.length));
                }
                case A0_MORE -> configureIsdp(seg);
                case A1 -> {
                    BerHeader h = header(seg, 0xA1, true);
                    remaining = h.length();
                    expect = Expect.B88;
                }
                case B88 -> {
                    metadata.writeBytes(scp.verifyMacOnly(seg));
                    if ((remaining -= seg.length) < 0) {
                        return installError(cmd, InstallErrorReason.SCP03T_STRUCTURE_ERROR);
                    }
                    if (remaining == 0) {
                        storeMetadata = StoreMetadata.decode(metadata.toByteArray());
                        if (store.find(storeMetadata.iccid().digits()).isPresent()) {
                            return installError(cmd, InstallErrorReason.ICCID_ALREADY_EXISTS);
                        }
                        expect = Expect.A2_OR_A3;
                    }
                }
                case A2_OR_A3 -> {
                    BerHeader h = BerHeader.read(seg);
                    if (h.tag() == 0xA2) {
                        remaining = h.length();
                        replaceKeys(Arrays.copyOfRange(seg, h.headerLength(), seg.length));
                    } else {
                        h = header(seg, 0xA3, true);
                        remaining = h.length();
                        expect = Expect.B86;
                    }
                }
                case A2_MORE -> replaceKeys(seg);
                case A3_DONE -> {
                    BerHeader h = header(seg, 0xA3, true);
                    remaining = h.length();
                    expect = Expect.B86;
                }
                case B86 -> {
                    elements.writeBytes(scp.verifyAndDecrypt(seg));
                    if ((remaining -= seg.length) < 0) {
                        return installError(cmd, InstallErrorReason.SCP03T_STRUCTURE_ERROR);
                    }
                    if (store.usedMemory() + elements.size() > config.memoryBytes()) {
                        return installError(cmd, InstallErrorReason.INSUFFICIENT_MEMORY);
                    }
                    if (remaining == 0) {
                        return install();
                    }
                }
                default -> throw new Es10Refusal(0x6A88, "BPP already complete");
            }
        } catch (Scp03tException e) {
            Logger.info("eUICC {}: segment {} refused: {}", identity.eid(), segmentNumber, e.getMessage());
            return installError(cmd, e.securityError() ? InstallErrorReason.SCP03T_SECURITY_ERROR
                : InstallErrorReason.SCP03T_STRUCTURE_ERROR);
        } catch (MalformedMessageException | IllegalArgumentException e) {
            Logger.info("eUICC {}: segment {} malformed: {}", identity.eid(), segmentNumber, e.getMessage());
            return installError(cmd, InstallErrorReason.INCORRECT_INPUT_VALUES);
        }
        return new byte[0];
    }

    private void configureIsdp(byte[] tlv87) throws Scp03tException {
        ConfigureIsdpRequest.decode(scp.verifyAndDecrypt(tlv87));
        remaining -= tlv87.length;
        if (remaining < 0) {
            throw new IllegalArgumentException("A0 content overruns its length");
        }
        expect = remaining == 0 ? Expect.A1 : Expect.A0_MORE;
    }

    private void replaceKeys(byte[] tlv87) throws Scp03tException {
        ReplaceSessionKeysRequest r = ReplaceSessionKeysRequest.decode(scp.verifyAndDecrypt(tlv87));
        remaining -= tlv87.length;
        if (remaining < 0) {
            throw new IllegalArgumentException("A2 content overruns its length");
        }
        if (remaining == 0) {
            scp = new Scp03t(r.keys());
            expect = Expect.A3_DONE;
        } else {
            expect = Expect.A2_MORE;
        }
    }

    private byte[] install() {
        ProfilePackage pkg;
        try {
            pkg = ProfilePackage.decode(elements.toByteArray());
        } catch (ProfileElementException e) {
            Logger.info("eUICC {}: profile elements refused: {}", identity.eid(), e.getMessage());
            return installError(BppCommandId.LOAD_PROFILE_ELEMENTS, InstallErrorReason.PE_PROCESSING_ERROR);
        }
        if (!pkg.iccid().equals(storeMetadata.iccid())) {
            return installError(BppCommandId.LOAD_PROFILE_ELEMENTS, InstallErrorReason.DATA_MISMATCH);
        }
        String aid = String.format(Locale.ROOT, "%s%04X00", ISDP_AID_PREFIX, 0x0010 + store.takeIsdpNumber());
        List<StoredProfile.NotificationTargetEntry> targets = new ArrayList<>();
        for (StoreMetadata.NotificationTarget t : storeMetadata.notificationAddresses()) {
            for (NotificationEvent e : t.operations()) {
                targets.add(new StoredProfile.NotificationTargetEntry(e.name(), t.address()));
            }
        }
        long size = elements.size() + metadata.size();
        store.put(new StoredProfile(pkg.iccid().digits(), pkg.imsi(), aid, ProfileState.DISABLED, "",
            storeMetadata.serviceProviderName(), storeMetadata.profileName(), storeMetadata.profileClass(), size, targets));
        // SIMA response: EUICCResponse { peStatus { PEStatus { status ok(0) } } }
        byte[] sima = HexFormat.of().parseHex("3007a0053003800100");
        String address = addressOr(serverAddress, targets, NotificationEvent.INSTALL);
        NotificationMetadata m = new NotificationMetadata(store.takeSeqNumber(), NotificationEvent.INSTALL, address, pkg.iccid());
        ProfileInstallationResult.FinalResult ok = new ProfileInstallationResult.Success(HexFormat.of().parseHex(aid), sima);
        Logger.info("eUICC {}: profile {} (IMSI {}) installed in ISD-P {}, {} bytes", identity.eid(), pkg.iccid(), pkg.imsi(),
            aid, size);
        return finish(m, ok);
    }

    private byte[] installError(BppCommandId cmd, InstallErrorReason reason) {
        Logger.info("eUICC {}: installation failed in {}: {}", identity.eid(), cmd, reason);
        Iccid iccid = storeMetadata == null ? null : storeMetadata.iccid();
        NotificationMetadata m = new NotificationMetadata(store.takeSeqNumber(), NotificationEvent.INSTALL,
            serverAddress == null ? "" : serverAddress, iccid);
        return finish(m, new ProfileInstallationResult.Error(cmd, reason));
    }

    private byte[] finish(NotificationMetadata m, ProfileInstallationResult.FinalResult result) {
        byte[] tid = transactionId == null ? new byte[] {0} : transactionId;
        String oid = smdpOid == null ? "0.0" : smdpOid;
        byte[] sig = Ecc.sign(identity.euiccKey(), ProfileInstallationResult.signedData(tid, m, oid, result));
        ProfileInstallationResult pir = new ProfileInstallationResult(tid, m, oid, result, sig);
        store.addNotification(m.seqNumber(), NotificationEvent.INSTALL.name(), pir.encode());
        store.save();
        endSession(null);
        expect = Expect.DONE;
        return pir.encode();
    }

    /** A card reset or power loss: a download in progress ends as an interrupted installation (notification kept). */
    void reset() {
        if (stage == Stage.LOADING) {
            installError(commandOf(expect), InstallErrorReason.INTERRUPTION);
        }
        endSession("reset");
        challenge = null;
    }

    private void endSession(String why) {
        if (stage != Stage.NONE && why != null) {
            Logger.debug("eUICC {}: RSP session ended: {}", identity.eid(), why);
        }
        stage = Stage.NONE;
        transactionId = null;
        oneTime = null;
        dpPbKey = null;
        scp = null;
        if (why != null) {
            serverAddress = null;
            smdpOid = null;
        }
    }

    // ---- ES10b.CancelSession (§5.7.14) ----

    private byte[] cancelSession(CancelSession.Request req) {
        if (stage == Stage.NONE || !Arrays.equals(req.transactionId(), transactionId)) {
            return CancelSession.Response.error(5).encode();
        }
        String oid = smdpOid;
        byte[] sig = Ecc.sign(identity.euiccKey(), CancelSession.Response.signedData(req.transactionId(), oid, req.reason()));
        if (stage == Stage.LOADING) {
            installError(commandOf(expect), InstallErrorReason.INTERRUPTION);
        }
        endSession("cancelled: " + req.reason());
        return new CancelSession.Response(req.transactionId(), oid, req.reason(), sig, null).encode();
    }

    // ---- notifications (§5.7.9-§5.7.11) ----

    private byte[] listNotifications(Notifications.ListRequest req) {
        List<NotificationMetadata> out = new ArrayList<>();
        for (ProfileStore.Pending p : store.notifications()) {
            if (req.operation() == null || req.operation().name().equals(p.operation())) {
                out.add(PendingNotification.decode(p.bytes()).metadata());
            }
        }
        return new Notifications.ListResponse(out, false).encode();
    }

    private byte[] retrieveNotifications(Notifications.RetrieveRequest req) {
        List<PendingNotification> out = new ArrayList<>();
        for (ProfileStore.Pending p : store.notifications()) {
            boolean match = (req.seqNumber() == null || req.seqNumber() == p.seqNumber())
                && (req.operation() == null || req.operation().name().equals(p.operation()));
            if (match) {
                out.add(PendingNotification.decode(p.bytes()));
            }
        }
        return new Notifications.RetrieveResponse(out, false).encode();
    }

    private byte[] notificationSent(Notifications.SentRequest req) {
        boolean removed = store.removeNotification(req.seqNumber());
        if (removed) {
            store.save();
        }
        return new Notifications.SentResponse(removed ? Notifications.DeleteStatus.OK
            : Notifications.DeleteStatus.NOTHING_TO_DELETE).encode();
    }

    // ---- ES10c (§5.7.15-§5.7.21) ----

    private byte[] profilesInfo(ProfileManagement.ProfilesInfoRequest req) {
        List<ProfileInfo> out = new ArrayList<>();
        for (StoredProfile p : store.profiles()) {
            if (req.iccid() == null || req.iccid().digits().equals(p.iccid())) {
                out.add(new ProfileInfo(new Iccid(p.iccid()), HexFormat.of().parseHex(p.isdpAid()), p.state(), p.nickname(),
                    p.serviceProviderName(), p.profileName(), p.profileClass()));
            }
        }
        return new ProfileManagement.ProfilesInfoResponse(out).encode();
    }

    private byte[] enable(ProfileManagement.SwitchRequest req) {
        StoredProfile target = store.find(req.iccid().digits()).orElse(null);
        if (target == null) {
            return result(49, Result.ICCID_OR_AID_NOT_FOUND);
        }
        if (target.state() == ProfileState.ENABLED) {
            return result(49, Result.PROFILE_NOT_IN_REQUIRED_STATE);
        }
        for (StoredProfile p : store.profiles()) {
            if (p.state() == ProfileState.ENABLED) {
                store.put(p.withState(ProfileState.DISABLED));
                notifyOperation(p, NotificationEvent.DISABLE);
            }
        }
        store.put(target.withState(ProfileState.ENABLED));
        notifyOperation(target, NotificationEvent.ENABLE);
        if (!config.enableNeedsRefresh()) {
            store.setActive(target.iccid());
        }
        store.save();
        onActiveChange.run();
        Logger.info("eUICC {}: profile {} enabled{}", identity.eid(), target.iccid(),
            config.enableNeedsRefresh() ? " (takes effect after REFRESH)" : "");
        return result(49, Result.OK);
    }

    private byte[] disable(ProfileManagement.SwitchRequest req) {
        StoredProfile target = store.find(req.iccid().digits()).orElse(null);
        if (target == null) {
            return result(50, Result.ICCID_OR_AID_NOT_FOUND);
        }
        if (target.state() != ProfileState.ENABLED) {
            return result(50, Result.PROFILE_NOT_IN_REQUIRED_STATE);
        }
        store.put(target.withState(ProfileState.DISABLED));
        notifyOperation(target, NotificationEvent.DISABLE);
        if (!config.enableNeedsRefresh()) {
            store.setActive(null);
        }
        store.save();
        onActiveChange.run();
        return result(50, Result.OK);
    }

    private byte[] delete(ProfileManagement.DeleteRequest req) {
        StoredProfile target = store.find(req.iccid().digits()).orElse(null);
        if (target == null) {
            return result(51, Result.ICCID_OR_AID_NOT_FOUND);
        }
        if (target.state() == ProfileState.ENABLED) {
            return result(51, Result.PROFILE_NOT_IN_REQUIRED_STATE);
        }
        notifyOperation(target, NotificationEvent.DELETE);
        store.remove(target.iccid());
        store.save();
        return result(51, Result.OK);
    }

    private byte[] setNickname(byte[] request) {
        Der.Reader r = Der.parseSequence(request, Der.CONTEXT, 41, "SetNicknameRequest");
        Iccid iccid = Iccid.fromEf(r.octets(Der.APPLICATION, 26, "iccid", 10, 10));
        String nick = r.utf8(Der.CONTEXT, 16, "profileNickname");
        r.end();
        StoredProfile p = store.find(iccid.digits()).orElse(null);
        if (p != null) {
            store.put(p.withNickname(nick));
            store.save();
        }
        return Der.encode(Der.seq(Der.CONTEXT, 41, Der.ctxInt(0, p == null ? 1 : 0)));
    }

    private void notifyOperation(StoredProfile p, NotificationEvent event) {
        String address = p.addressFor(event.name());
        if (address == null) {
            return; // the profile's metadata asks for no notification of this operation
        }
        NotificationMetadata m = new NotificationMetadata(store.takeSeqNumber(), event, address, new Iccid(p.iccid()));
        byte[] sig = Ecc.sign(identity.euiccKey(), m.encode());
        OtherSignedNotification n = new OtherSignedNotification(m, sig, identity.euiccCertificateDer(), identity.eumCertificateDer());
        store.addNotification(m.seqNumber(), event.name(), n.encode());
    }

    private static byte[] result(int tagNo, Result r) {
        return new ProfileManagement.ResultResponse(tagNo, r).encode();
    }

    // ---- helpers ----

    private static String addressOr(String fallback, List<StoredProfile.NotificationTargetEntry> targets, NotificationEvent e) {
        for (StoredProfile.NotificationTargetEntry t : targets) {
            if (t.operation().equals(e.name())) {
                return t.address();
            }
        }
        return fallback == null ? "" : fallback;
    }

    private static BerHeader header(byte[] seg, int tag, boolean alone) {
        BerHeader h = BerHeader.read(seg);
        if (h.tag() != tag) {
            throw new IllegalArgumentException(String.format("segment starts with tag %X, expected %X", h.tag(), tag));
        }
        if (alone && seg.length != h.headerLength()) {
            throw new IllegalArgumentException(String.format("segment %X must hold its tag and length only", tag));
        }
        return h;
    }

    private static BppCommandId commandOf(Expect e) {
        return switch (e) {
            case ISC -> BppCommandId.INITIALISE_SECURE_CHANNEL;
            case A0, A0_MORE -> BppCommandId.CONFIGURE_ISDP;
            case A1, B88 -> BppCommandId.STORE_METADATA;
            case A2_OR_A3, A2_MORE -> BppCommandId.REPLACE_SESSION_KEYS;
            default -> BppCommandId.LOAD_PROFILE_ELEMENTS;
        };
    }

    private static boolean containsId(List<byte[]> ids, byte[] id) {
        return ids.stream().anyMatch(x -> Arrays.equals(x, id));
    }

    private static byte[] authorityKeyId(X509Certificate c) {
        byte[] ext = c.getExtensionValue(org.bouncycastle.asn1.x509.Extension.authorityKeyIdentifier.getId());
        if (ext == null) {
            throw new IllegalArgumentException("EUM certificate has no authority key identifier");
        }
        byte[] id = Sgp22CertPath.keyIdOf(org.bouncycastle.asn1.x509.AuthorityKeyIdentifier.getInstance(
            org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets()));
        if (id == null) {
            throw new IllegalArgumentException("EUM certificate's authority key identifier has no key id");
        }
        return id;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

}
