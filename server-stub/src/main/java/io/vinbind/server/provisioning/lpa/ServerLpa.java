package io.vinbind.server.provisioning.lpa;

import io.vinbind.esim.bpp.BoundProfilePackage;
import io.vinbind.esim.bpp.Segment;
import io.vinbind.esim.message.AuthenticateServerRequest;
import io.vinbind.esim.message.AuthenticateServerResponse;
import io.vinbind.esim.message.CancelSession;
import io.vinbind.esim.message.Challenge;
import io.vinbind.esim.message.CtxParams1;
import io.vinbind.esim.message.Der;
import io.vinbind.esim.message.EuiccInfo1;
import io.vinbind.esim.message.EuiccInfo2;
import io.vinbind.esim.message.Iccid;
import io.vinbind.esim.message.MalformedMessageException;
import io.vinbind.esim.message.NotificationMetadata;
import io.vinbind.esim.message.Notifications;
import io.vinbind.esim.message.PendingNotification;
import io.vinbind.esim.message.PrepareDownloadRequest;
import io.vinbind.esim.message.PrepareDownloadResponse;
import io.vinbind.esim.message.ProfileInfo;
import io.vinbind.esim.message.ProfileInstallationResult;
import io.vinbind.esim.message.ProfileManagement;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.message.ServerSigned1;
import io.vinbind.esim.message.SmdpSigned2;
import io.vinbind.esim.message.StoreMetadata;
import io.vinbind.esim.pki.Eid;
import io.vinbind.esim.rsp.Es9Plus;
import io.vinbind.esim.rsp.Rsp;
import io.vinbind.esim.rsp.RspFormatException;
import io.vinbind.esim.es10.StoreData;
import io.vinbind.log.Untrusted;
import io.vinbind.protocol.ChannelHandling;
import io.vinbind.server.relay.CardLink;
import io.vinbind.server.relay.RelayTimeoutException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.tinylog.Logger;

/**
 * The server-side LPA (GSMA SGP.22; SGP.32 calls the role eIM): ES9+ to the SM-DP+ over HTTPS through an
 * {@link Es9Client}, ES10 on the terminal's eUICC through a {@link CardLink} (the APDU relay), each ES10 request one
 * batch. Nothing from the card or the SM-DP+ is trusted: every answer is decoded with its tags and sizes checked,
 * the transactionId is checked wherever it comes back, the package's metadata is checked against the profile
 * announced, and surprises become an {@link LpaException} naming the step. A download that fails after the SM-DP+
 * opened its session is cancelled at both ends (§3.1.3, ES10b CancelSession §5.7.14 then ES9+ CancelSession §5.6.5).
 * Stateless and thread-safe: one instance serves all terminals; a {@link CardLink} is one conversation.
 */
public final class ServerLpa {

    /** Notifications handled per {@link #deliverNotifications} call: an eUICC keeps few; more is a card gone wrong. */
    static final int MAX_NOTIFICATIONS = 64;
    /** SGP.22 §4.1 activation code: matchingId of 0-9, A-Z, '-' (lower case accepted), bounded. */
    private static final Pattern MATCHING_ID = Pattern.compile("[0-9A-Za-z-]{1,64}");
    /** DeviceInfo's TAC when the caller knows no IMEI (SGP.22 §2.6.5.2 DeviceInfo: tac is mandatory). */
    static final byte[] UNKNOWN_TAC = {0, 0, 0, 0};

    private final Es9Client es9;
    private final Clock clock;

    /** es9: how to reach SM-DP+s over ES9+; clock for timings. */
    public ServerLpa(Es9Client es9, Clock clock) {
        this.es9 = Objects.requireNonNull(es9, "es9");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * EID (ES10c GetEID), EUICCInfo2 (free non-volatile memory, SVN, ...), and the profiles (ICCID, state, class,
     * name). Proves "the eUICC answers".
     */
    public CardReport inspect(CardLink card, int blockSize) throws LpaException, RelayTimeoutException,
            InterruptedException {
        CardEs10 es10 = es10(card, blockSize);
        String eid = decodeCard("ES10c.GetEID", () -> Eid.fromBytes(ProfileManagement.GetEidResponse.decode(
            es10.send("ES10c.GetEID", new ProfileManagement.GetEidRequest().encode(), ChannelHandling.KEEP)).eid()));
        if (!eid.matches("[0-9]{32}")) {
            throw CardEs10.malformed("ES10c.GetEID", "the EID " + Untrusted.escape(eid) + " is not 32 digits", null);
        }
        EuiccInfo2 info2 = decodeCard("ES10b.GetEUICCInfo2", () -> EuiccInfo2.decode(
            es10.send("ES10b.GetEUICCInfo2", Challenge.euiccInfo2Request(), ChannelHandling.KEEP)));
        List<ProfileInfo> profiles = profiles(es10, ChannelHandling.KEEP);
        Logger.info("LPA {}: eUICC {} answers: SVN {}, {} bytes free, {} profiles", card.terminalId(), eid,
            version(info2.svn()), info2.freeNonVolatileMemory(), profiles.size());
        return new CardReport(eid, OptionalLong.of(info2.freeNonVolatileMemory()), profiles);
    }

    /** {@link #download(CardLink, int, String, String, String, StepListener)} without the device's IMEI. */
    public Installed download(CardLink card, int blockSize, String smdpAddress, String matchingId, StepListener steps)
            throws LpaException, RelayTimeoutException, InterruptedException {
        return download(card, blockSize, smdpAddress, matchingId, null, steps);
    }

    /** SGP.22 §3.1.3.2: Hashed Confirmation Code = SHA-256(SHA-256(Confirmation Code) | TransactionID). */
    static byte[] hashedCode(byte[] codeHash, byte[] transactionId) {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(codeHash);
            sha.update(transactionId);
            return sha.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /**
     * A whole download for matchingId from smdpAddress (SGP.22 §3.1.3): GetEUICCInfo1 + GetEUICCChallenge, ES9+
     * initiateAuthentication, ES10b AuthenticateServer, ES9+ authenticateClient, ES10b PrepareDownload, ES9+
     * getBoundProfilePackage, the package's segments loaded, the ProfileInstallationResult checked. Calls
     * {@code steps.reached} after each step, the first carrying the transactionId.
     *
     * <p>On any failure after initiateAuthentication and before the package's result, the session is cancelled at
     * both ends and the exception's {@link LpaException#cancelled()} says how that went. A relay timeout before
     * initiateAuthentication is thrown as it is (nothing is open); after it, it becomes a retryable
     * {@code RELAY_TIMEOUT} carrying the cancellation. An interrupt is passed on without cancelling: the caller has
     * the transactionId from {@code steps} and ends the session with {@link #cancel}.
     *
     * @param imei the terminal's IMEI (15 digits; its TAC goes in DeviceInfo), or null when not known
     */
    public Installed download(CardLink card, int blockSize, String smdpAddress, String matchingId, String imei,
                              StepListener steps) throws LpaException, RelayTimeoutException, InterruptedException {
        return download(card, blockSize, smdpAddress, matchingId, imei, null, steps);
    }

    /**
     * As {@link #download(CardLink, int, String, String, String, StepListener)}, for an order placed with a
     * confirmation code.
     *
     * @param codeHash SHA-256 of the order's confirmation code (SGP.22 §3.1.3.2: the LPA sends
     *     SHA-256(SHA-256(code) || transactionId) in PrepareDownload), or null for an order without one
     */
    public Installed download(CardLink card, int blockSize, String smdpAddress, String matchingId, String imei,
                              byte[] codeHash, StepListener steps)
            throws LpaException, RelayTimeoutException, InterruptedException {
        if (codeHash != null && codeHash.length != 32) {
            throw new IllegalArgumentException("codeHash must be a SHA-256 (32 bytes), got " + codeHash.length);
        }
        CardEs10 es10 = es10(card, blockSize);
        requireAddress(smdpAddress);
        if (matchingId == null || !MATCHING_ID.matcher(matchingId).matches()) {
            throw new LpaException("download", null, null, false, "BAD_REQUEST", "matchingId '"
                + Untrusted.escape(matchingId) + "' is not 1-64 of 0-9 A-Z a-z - (SGP.22 §4.1)", null, null);
        }
        byte[] tac = tacOf(imei);
        Objects.requireNonNull(steps, "steps");
        Instant start = clock.instant();
        String terminal = card.terminalId();

        byte[] info1 = es10.send("ES10b.GetEUICCInfo1", Challenge.euiccInfo1Request(), ChannelHandling.KEEP);
        decodeCard("ES10b.GetEUICCInfo1", () -> EuiccInfo1.decode(info1));
        byte[] challenge = decodeCard("ES10b.GetEUICCChallenge", () -> Challenge.decodeResponse(
            es10.send("ES10b.GetEUICCChallenge", Challenge.request(), ChannelHandling.KEEP)));
        Es9Plus.InitiateAuthenticationResponse r1 = smdp("ES9+.initiateAuthentication", null, null,
            () -> es9.initiateAuthentication(smdpAddress, new Es9Plus.InitiateAuthenticationRequest(Rsp.b64(challenge),
                Rsp.b64(info1), smdpAddress)));
        String tid = transactionId("ES9+.initiateAuthentication", r1.transactionId());
        Progress p = new Progress(tid);
        try {
            reached(p, steps, terminal, DownloadStep.INITIATED, "SM-DP+ " + smdpAddress);
            ServerSigned1 s1 = decodeSmdp("ES9+.initiateAuthentication", () -> ServerSigned1.decode(
                b64("ES9+.initiateAuthentication", "serverSigned1", r1.serverSigned1())));
            sameTransaction("ES9+.initiateAuthentication", "serverSigned1", s1.transactionId(), tid);
            if (!Arrays.equals(s1.euiccChallenge(), challenge) || !smdpAddress.equalsIgnoreCase(s1.serverAddress())) {
                throw new LpaException("ES9+.initiateAuthentication", null, null, false, "TRANSACTION_MISMATCH",
                    "serverSigned1 is for another challenge or SM-DP+ ('" + Untrusted.escape(s1.serverAddress())
                        + "')", null, null);
            }
            AuthenticateServerRequest asr = decodeSmdp("ES9+.initiateAuthentication", () -> new AuthenticateServerRequest(s1,
                value(b64("ES9+.initiateAuthentication", "serverSignature1", r1.serverSignature1())),
                value(b64("ES9+.initiateAuthentication", "euiccCiPKIdToBeUsed", r1.euiccCiPKIdToBeUsed())),
                b64("ES9+.initiateAuthentication", "serverCertificate", r1.serverCertificate()),
                new CtxParams1(matchingId, tac, null)));
            byte[] asResp = es10.send("ES10b.AuthenticateServer", asr.encode(), ChannelHandling.KEEP);
            AuthenticateServerResponse as = decodeCard("ES10b.AuthenticateServer",
                () -> AuthenticateServerResponse.decode(asResp));
            if (as instanceof AuthenticateServerResponse.Error e) {
                // SGP.22 §3.1.3.2: the eUICC's error goes to the SM-DP+ in authenticateClient, which ends the session
                p.told = tellSmdp(() -> es9.authenticateClient(smdpAddress,
                    new Es9Plus.AuthenticateClientRequest(tid, Rsp.b64(asResp))));
                throw new LpaException("ES10b.AuthenticateServer", null, null, false, "EUICC_REFUSED:" + e.code(),
                    "the eUICC refused the SM-DP+: " + e.code(), null, null);
            }
            sameTransaction("ES10b.AuthenticateServer", "euiccSigned1",
                ((AuthenticateServerResponse.Ok) as).euiccSigned1().transactionId(), tid);

            Es9Plus.AuthenticateClientResponse r2 = smdp("ES9+.authenticateClient", DownloadStep.INITIATED, tid,
                () -> es9.authenticateClient(smdpAddress, new Es9Plus.AuthenticateClientRequest(tid, Rsp.b64(asResp))));
            if (r2.transactionId() != null) {
                sameTransaction("ES9+.authenticateClient", "transactionId",
                    bytesOfTid("ES9+.authenticateClient", r2.transactionId()), tid);
            }
            SmdpSigned2 s2 = decodeSmdp("ES9+.authenticateClient", () -> SmdpSigned2.decode(
                b64("ES9+.authenticateClient", "smdpSigned2", r2.smdpSigned2())));
            sameTransaction("ES9+.authenticateClient", "smdpSigned2", s2.transactionId(), tid);
            StoreMetadata announced = decodeSmdp("ES9+.authenticateClient", () -> StoreMetadata.decode(
                b64("ES9+.authenticateClient", "profileMetadata", r2.profileMetadata())));
            byte[] hashCc = null;
            if (s2.ccRequired()) {
                if (codeHash == null) {
                    throw new LpaException("ES9+.authenticateClient", null, null, false, "CONFIRMATION_CODE_REQUIRED",
                        "the order for " + announced.iccid() + " needs a confirmation code, and it was placed without"
                            + " one (an order placed elsewhere, or a platform without confirmation-code)", null, null);
                }
                hashCc = hashedCode(codeHash, HexFormat.of().parseHex(tid));
            }
            reached(p, steps, terminal, DownloadStep.AUTHENTICATED, "profile " + announced.iccid()
                + (hashCc != null ? ", confirmation code sent" : ""));

            byte[] cc = hashCc;
            PrepareDownloadRequest pd = decodeSmdp("ES9+.authenticateClient", () -> new PrepareDownloadRequest(s2,
                value(b64("ES9+.authenticateClient", "smdpSignature2", r2.smdpSignature2())), cc,
                b64("ES9+.authenticateClient", "smdpCertificate", r2.smdpCertificate())));
            byte[] pdResp = es10.send("ES10b.PrepareDownload", pd.encode(), ChannelHandling.KEEP);
            PrepareDownloadResponse prepared = decodeCard("ES10b.PrepareDownload",
                () -> PrepareDownloadResponse.decode(pdResp));
            if (prepared instanceof PrepareDownloadResponse.Error e) {
                // §3.1.3.3: the error goes to the SM-DP+ in getBoundProfilePackage, which ends the session
                p.told = tellSmdp(() -> es9.getBoundProfilePackage(smdpAddress,
                    new Es9Plus.GetBoundProfilePackageRequest(tid, Rsp.b64(pdResp))));
                throw new LpaException("ES10b.PrepareDownload", null, null, false, "EUICC_REFUSED:" + e.code(),
                    "the eUICC refused PrepareDownload: " + e.code(), null, null);
            }
            sameTransaction("ES10b.PrepareDownload", "euiccSigned2",
                ((PrepareDownloadResponse.Ok) prepared).euiccSigned2().transactionId(), tid);
            reached(p, steps, terminal, DownloadStep.PREPARED, "one-time key signed");

            Es9Plus.GetBoundProfilePackageResponse r3 = smdp("ES9+.getBoundProfilePackage", DownloadStep.PREPARED, tid,
                () -> es9.getBoundProfilePackage(smdpAddress, new Es9Plus.GetBoundProfilePackageRequest(tid,
                    Rsp.b64(pdResp))));
            if (r3.transactionId() != null) {
                sameTransaction("ES9+.getBoundProfilePackage", "transactionId",
                    bytesOfTid("ES9+.getBoundProfilePackage", r3.transactionId()), tid);
            }
            byte[] bppBytes = b64("ES9+.getBoundProfilePackage", "boundProfilePackage", r3.boundProfilePackage());
            BoundProfilePackage bpp = decodeSmdp("ES9+.getBoundProfilePackage", () -> BoundProfilePackage.decode(bppBytes));
            sameTransaction("ES9+.getBoundProfilePackage", "initialiseSecureChannelRequest",
                bpp.initialiseSecureChannel().transactionId(), tid);
            StoreMetadata carried = decodeSmdp("ES9+.getBoundProfilePackage", bpp::storeMetadata);
            if (!carried.iccid().equals(announced.iccid())) {
                throw new LpaException("ES9+.getBoundProfilePackage", null, null, false, "METADATA_MISMATCH",
                    "the package is for " + carried.iccid() + ", authenticateClient announced " + announced.iccid(),
                    null, null);
            }
            List<Segment> segments = bpp.segments();
            reached(p, steps, terminal, DownloadStep.BPP_RECEIVED, bppBytes.length + " bytes, " + segments.size()
                + " segments, profile " + carried.iccid());

            p.loading = true;
            CardEs10.Loaded loaded = es10.load("ES10b.LoadBoundProfilePackage", segments);
            ProfileInstallationResult pir = decodeCard("ES10b.LoadBoundProfilePackage",
                () -> ProfileInstallationResult.decode(loaded.installationResult()));
            p.loading = false;
            p.resultArrived = true;
            sameTransaction("ES10b.LoadBoundProfilePackage", "ProfileInstallationResult", pir.transactionId(), tid);
            if (pir.result() instanceof ProfileInstallationResult.Error e) {
                Logger.info("LPA {} transaction {}: installation of {} failed: bppCommandId {}, errorReason {}",
                    terminal, tid, carried.iccid(), e.bppCommandId(), e.reason());
                throw new LpaException("ES10b.LoadBoundProfilePackage", p.reached, tid, false, "INSTALL_FAILED:"
                    + e.bppCommandId() + "/" + e.reason(), "the eUICC's ProfileInstallationResult: bppCommandId "
                    + e.bppCommandId() + " (" + e.bppCommandId().value() + "), errorReason " + e.reason() + " ("
                    + e.reason().value() + ") after " + loaded.blocks() + " blocks; the session ended with it", null, null);
            }
            Iccid iccid = pir.metadata().iccid() != null ? pir.metadata().iccid() : carried.iccid();
            if (!iccid.equals(carried.iccid())) {
                throw new LpaException("ES10b.LoadBoundProfilePackage", p.reached, tid, false, "METADATA_MISMATCH",
                    "the eUICC installed " + iccid + ", the package was for " + carried.iccid(), null, null);
            }
            Duration took = Duration.between(start, clock.instant());
            reached(p, steps, terminal, DownloadStep.LOADED, "profile " + iccid + " installed, " + loaded.blocks()
                + " blocks in " + loaded.batches() + " batches");
            return new Installed(tid, iccid, segments.size(), bppBytes.length, took);
        } catch (LpaException e) {
            if (p.resultArrived || e.cancelled() != null) {
                throw e.during(p.reached, tid, e.cancelled());
            }
            throw e.during(p.reached, tid, cancelAfterFailure(es10, smdpAddress, p, reasonFor(e, p.loading),
                e.getMessage()));
        } catch (RelayTimeoutException e) {
            LpaException failed = new LpaException(p.loading ? "ES10b.LoadBoundProfilePackage" : "relay after " + p.reached, p.reached, tid,
                true, "RELAY_TIMEOUT", e.getMessage(), null, e);
            throw failed.during(p.reached, tid, cancelAfterFailure(es10, smdpAddress, p, CancelReason.TIMEOUT,
                e.getMessage()));
        } catch (RuntimeException e) {
            // a listener that could not persist a step, or a bug: the session must not be left open either way
            LpaException failed = new LpaException("download", p.reached, tid, true, "LISTENER", String.valueOf(e),
                null, e);
            if (p.resultArrived) {
                throw failed; // the eUICC's result ended the session: nothing to cancel
            }
            throw failed.during(p.reached, tid, cancelAfterFailure(es10, smdpAddress, p, CancelReason.UNDEFINED,
                String.valueOf(e)));
        }
    }

    /**
     * Cancels a transaction a previous run left open (the server crashed or the terminal lost power mid-download):
     * ES10b CancelSession, then ES9+ cancelSession with the eUICC's answer. Answers what happened at each end; never
     * throws for "already gone" (the card no longer knows the session after a reset; the SM-DP+ answers transaction
     * unknown) — the detail says so.
     */
    public CancelOutcome cancel(CardLink card, int blockSize, String smdpAddress, String transactionId,
                                CancelReason reason) throws RelayTimeoutException, InterruptedException {
        Objects.requireNonNull(reason, "reason");
        CardEs10 es10;
        String tid;
        try {
            es10 = es10(card, blockSize);
            requireAddress(smdpAddress);
            tid = transactionId("cancel", transactionId);
        } catch (LpaException e) {
            return new CancelOutcome(false, false, "not sent: " + e.getMessage());
        }
        CancelOutcome o = cancelSession(es10, smdpAddress, tid, reason);
        Logger.info("LPA {} transaction {}: cancel ({}): {}", card.terminalId(), tid, reason, o.detail());
        return o;
    }

    /**
     * ES10c EnableProfile (refresh flag true, SGP.22 §5.7.16), result decoded; then the profile's state read back
     * (GetProfilesInfo by ICCID) in a batch that closes the channel and — only when the eUICC enabled it — has the
     * terminal refresh the card ({@link ChannelHandling#CLOSE_AND_REFRESH}), after which the modem registers with the
     * enabled profile (a refused enable does not reset the modem). An enable a previous run sent already
     * (profileNotInDisabledState: the target is enabled) refreshes too: that run may have ended between the eUICC's
     * answer and the refresh (a server killed there), and without one the modem keeps the old profile's IMSI until
     * the next power cycle; a second refresh costs only a re-registration.
     */
    public ProfileManagement.Result enable(CardLink card, int blockSize, Iccid iccid) throws LpaException,
            RelayTimeoutException, InterruptedException {
        Objects.requireNonNull(iccid, "iccid");
        CardEs10 es10 = es10(card, blockSize);
        byte[] answer = es10.send("ES10c.EnableProfile",
            new ProfileManagement.SwitchRequest(ProfileManagement.Operation.ENABLE, iccid, true).encode(),
            ChannelHandling.KEEP);
        ProfileManagement.Result result = decodeCard("ES10c.EnableProfile",
            () -> ProfileManagement.ResultResponse.decode(answer, ProfileManagement.Operation.ENABLE.tagNo()).result());
        boolean ok = result == ProfileManagement.Result.OK;
        boolean refresh = ok || result == ProfileManagement.Result.PROFILE_NOT_IN_REQUIRED_STATE;
        byte[] readBack = es10.send("ES10c.GetProfilesInfo", new ProfileManagement.ProfilesInfoRequest(iccid).encode(),
            refresh ? ChannelHandling.CLOSE_AND_REFRESH : ChannelHandling.CLOSE);
        List<ProfileInfo> after = decodeCard("ES10c.GetProfilesInfo",
            () -> ProfileManagement.ProfilesInfoResponse.decode(readBack).profiles());
        ProfileState state = after.stream().filter(pi -> pi.iccid().equals(iccid)).map(ProfileInfo::state).findFirst()
            .orElse(null);
        Logger.info("LPA {}: EnableProfile {}: {}; read back: {}", card.terminalId(), iccid, result,
            state == null ? "no such profile" : state);
        if (ok && state != ProfileState.ENABLED) {
            throw CardEs10.malformed("ES10c.EnableProfile", "the eUICC answered ok but shows " + iccid + " as "
                + (state == null ? "absent" : state), null);
        }
        return result;
    }

    /**
     * ES10b ListNotification, RetrieveNotificationsList per sequence number, ES9+ handleNotification to the
     * notification's address, then ES10b RemoveNotificationFromList only after the SM-DP+ took it (HTTP 204, SGP.22
     * §3.5): a notification the SM-DP+ did not take stays on the eUICC for the next call.
     */
    public NotificationsDelivered deliverNotifications(CardLink card, int blockSize) throws LpaException,
            RelayTimeoutException, InterruptedException {
        return deliverNotifications(card, blockSize, address -> true);
    }

    /**
     * As {@link #deliverNotifications(CardLink, int)}, to the SM-DP+ addresses {@code deliverTo} accepts only. The
     * address is the card's to name, and a card is not trusted: a server that posts wherever a card says can be made
     * to call its own network. Notifications to other addresses stay on the card, untouched and not counted as left
     * (they are some other LPA's business), and are logged.
     */
    public NotificationsDelivered deliverNotifications(CardLink card, int blockSize,
            java.util.function.Predicate<String> deliverTo) throws LpaException, RelayTimeoutException,
            InterruptedException {
        CardEs10 es10 = es10(card, blockSize);
        Notifications.ListResponse list = decodeCard("ES10b.ListNotification", () -> Notifications.ListResponse.decode(
            es10.send("ES10b.ListNotification", new Notifications.ListRequest(null).encode(), ChannelHandling.KEEP)));
        if (list.error()) {
            throw new LpaException("ES10b.ListNotification", null, null, false, "CARD_ERROR",
                "the eUICC answered listNotificationsResultError", null, null);
        }
        List<NotificationMetadata> delivered = new ArrayList<>();
        List<String> left = new ArrayList<>();
        List<NotificationMetadata> pending = list.notifications();
        for (int i = 0; i < pending.size(); i++) {
            NotificationMetadata m = pending.get(i);
            String what = "seq " + m.seqNumber() + " " + m.operation() + " to "
                + Untrusted.escape(m.notificationAddress());
            if (i >= MAX_NOTIFICATIONS) {
                left.add(what + ": over " + MAX_NOTIFICATIONS + " in one call");
                continue;
            }
            if (!deliverTo.test(m.notificationAddress())) {
                Logger.info("LPA {}: notification {} left on the card: not an SM-DP+ this server delivers to",
                    card.terminalId(), what);
                continue;
            }
            Notifications.RetrieveResponse one = decodeCard("ES10b.RetrieveNotificationsList",
                () -> Notifications.RetrieveResponse.decode(es10.send("ES10b.RetrieveNotificationsList",
                    new Notifications.RetrieveRequest(m.seqNumber(), null).encode(), ChannelHandling.KEEP)));
            if (one.error() || one.notifications().size() != 1
                || one.notifications().get(0).metadata().seqNumber() != m.seqNumber()) {
                left.add(what + ": the eUICC answered " + (one.error() ? "an error" : one.notifications().size()
                    + " notifications") + " for it");
                continue;
            }
            PendingNotification n = one.notifications().get(0);
            try {
                es9.handleNotification(m.notificationAddress(),
                    new Es9Plus.HandleNotificationRequest(Rsp.b64(n.encode())));
            } catch (Es9Exception e) {
                Logger.info("LPA {}: notification {} not taken: {}", card.terminalId(), what, e.getMessage());
                left.add(what + ": " + e.getMessage());
                continue;
            }
            Notifications.SentResponse removed = decodeCard("ES10b.RemoveNotificationFromList",
                () -> Notifications.SentResponse.decode(es10.send("ES10b.RemoveNotificationFromList",
                    new Notifications.SentRequest(m.seqNumber()).encode(), ChannelHandling.KEEP)));
            if (removed.status() != Notifications.DeleteStatus.OK) {
                // the SM-DP+ has it; a second delivery later is harmless (it is signed and sequence-numbered)
                left.add(what + ": delivered, but the eUICC answered " + removed.status() + " to its removal");
                continue;
            }
            Logger.info("LPA {}: notification {} delivered and removed", card.terminalId(), what);
            delivered.add(m);
        }
        return new NotificationsDelivered(delivered, left);
    }

    // ---- the download's bookkeeping and cancellation ----

    /** How far a download got. */
    private static final class Progress {
        final String transactionId;
        DownloadStep reached;
        boolean loading;
        boolean resultArrived;
        /** The SM-DP+ was told of an eUICC error in the flow (authenticateClient / getBoundProfilePackage). */
        Told told;

        Progress(String transactionId) {
            this.transactionId = transactionId;
        }
    }

    private void reached(Progress p, StepListener steps, String terminal, DownloadStep step, String detail) {
        p.reached = step;
        Logger.info("LPA {} transaction {}: {} ({})", terminal, p.transactionId, step, Untrusted.escape(detail, 200));
        steps.reached(step, p.transactionId, detail);
    }

    /**
     * SGP.22 §5.7.14's reason for a failure: no answer (relay, terminal, SM-DP+) is a timeout; a package that failed
     * to load otherwise is loadBppExecutionError; a package for another profile is metadataMismatch.
     */
    static CancelReason reasonFor(LpaException e, boolean loading) {
        String c = e.code();
        if (c.equals("METADATA_MISMATCH")) {
            return CancelReason.METADATA_MISMATCH;
        }
        if (c.equals("RELAY_TIMEOUT") || c.equals("RELAY_FAILED:TIMEOUT") || c.equals("RELAY_FAILED:POWER_OFF")
            || c.startsWith("RELAY_REFUSED:") || c.startsWith("SMDP_UNAVAILABLE:")) {
            return CancelReason.TIMEOUT;
        }
        return loading ? CancelReason.LOAD_BPP_EXECUTION_ERROR : CancelReason.UNDEFINED;
    }

    /** The cancellation of a failed download; relay trouble on the way is recorded, not thrown. */
    private CancelOutcome cancelAfterFailure(CardEs10 es10, String smdpAddress, Progress p, CancelReason reason,
                                             String why) throws InterruptedException {
        if (p.told != null) {
            // the eUICC ended its session with the error, the SM-DP+ was told in the flow (SGP.22 §3.1.3.2/.3)
            return new CancelOutcome(false, p.told.answered(), "no CancelSession: the eUICC refused and ended its "
                + "session; the SM-DP+ was told in the flow: " + p.told.text());
        }
        CancelOutcome o;
        try {
            o = cancelSession(es10, smdpAddress, p.transactionId, reason);
        } catch (RelayTimeoutException e) {
            o = new CancelOutcome(false, false, "card: no answer to CancelSession (" + e.getMessage()
                + "); SM-DP+ not told (ES9+ cancelSession carries the eUICC's signed answer); cancel() later");
        }
        Logger.info("LPA {} transaction {}: download failed after {} ({}); cancelled ({}): {}", es10.terminalId(),
            p.transactionId, p.reached, Untrusted.escape(why, 200), reason, o.detail());
        return o;
    }

    /** ES10b CancelSession, then the eUICC's answer (signed or an error) to ES9+ cancelSession. */
    private CancelOutcome cancelSession(CardEs10 es10, String smdpAddress, String tid, CancelReason reason)
            throws RelayTimeoutException, InterruptedException {
        byte[] tidBytes = HexFormat.of().parseHex(tid);
        byte[] answer = null;
        boolean cardCancelled = false;
        String card;
        try {
            byte[] a = es10.send("ES10b.CancelSession", new CancelSession.Request(tidBytes, reason.es10()).encode(),
                ChannelHandling.KEEP);
            CancelSession.Response r = decodeCard("ES10b.CancelSession", () -> CancelSession.Response.decode(a));
            answer = a;
            if (r.errorCode() != null) {
                card = "card: no session " + tid + " to cancel (error " + r.errorCode()
                    + ": already ended, or the card was reset)";
            } else if (!Arrays.equals(r.transactionId(), tidBytes) || r.reason() != reason.es10()) {
                card = "card: signed a cancellation of another transaction or reason";
                answer = null;
            } else {
                cardCancelled = true;
                card = "card: cancelled (" + reason + ")";
            }
        } catch (LpaException e) {
            card = "card: " + e.getMessage();
        }
        if (answer == null) {
            return new CancelOutcome(cardCancelled, false, card + "; SM-DP+ not told (ES9+ cancelSession carries the "
                + "eUICC's answer)");
        }
        byte[] forward = answer;
        Told smdp = tellSmdp(() -> {
            es9.cancelSession(smdpAddress, new Es9Plus.CancelSessionRequest(tid, Rsp.b64(forward)));
            return null;
        });
        return new CancelOutcome(cardCancelled, smdp.took(), card + "; SM-DP+: " + smdp.text());
    }

    /**
     * What the SM-DP+ answered when told something.
     *
     * @param took it answered success
     * @param answered it answered at all (success or a refusal: it read what it was told)
     */
    private record Told(boolean took, boolean answered, String text) {
    }

    private static Told tellSmdp(Es9Call<?> call) throws InterruptedException {
        try {
            call.call();
            return new Told(true, true, "ok");
        } catch (Es9Exception e) {
            if (e.transactionUnknown()) {
                return new Told(false, true, "transaction unknown (already ended or expired there)");
            }
            return new Told(false, e.kind() == Es9Exception.Kind.REFUSED, e.kind() + " " + e.getMessage());
        }
    }

    // ---- helpers ----

    @FunctionalInterface
    private interface Es9Call<T> {
        T call() throws Es9Exception, InterruptedException;
    }

    @FunctionalInterface
    private interface Decoding<T> {
        T decode() throws LpaException, RelayTimeoutException, InterruptedException;
    }

    /** An ES9+ call whose failure becomes an LpaException of this step. */
    private static <T> T smdp(String step, DownloadStep reached, String tid, Es9Call<T> call) throws LpaException,
            InterruptedException {
        try {
            T t = call.call();
            if (t == null) {
                throw Es9Client.bad(step, "no answer body", null);
            }
            return t;
        } catch (Es9Exception e) {
            String code = switch (e.kind()) {
                case REFUSED -> "SMDP_REFUSED:" + e.codes();
                case UNAVAILABLE -> "SMDP_UNAVAILABLE:" + e.status();
                case BAD_ANSWER -> "SMDP_BAD_ANSWER";
            };
            throw new LpaException(step, reached, tid, e.kind() == Es9Exception.Kind.UNAVAILABLE, code, e.getMessage(),
                null, e);
        }
    }

    /** Decodes what the card answered; a malformed answer becomes CARD_MALFORMED naming the structure. */
    private static <T> T decodeCard(String step, Decoding<T> d) throws LpaException, RelayTimeoutException,
            InterruptedException {
        try {
            return d.decode();
        } catch (MalformedMessageException | IllegalArgumentException | IllegalStateException e) {
            throw CardEs10.malformed(step, "the eUICC's answer does not decode: " + Untrusted.escape(e.getMessage(), 200), e);
        }
    }

    /** Decodes what the SM-DP+ sent; a malformed field becomes SMDP_BAD_ANSWER. */
    private static <T> T decodeSmdp(String step, Decoding<T> d) throws LpaException, RelayTimeoutException,
            InterruptedException {
        try {
            return d.decode();
        } catch (MalformedMessageException | IllegalArgumentException | IllegalStateException e) {
            throw new LpaException(step, null, null, false, "SMDP_BAD_ANSWER", "the SM-DP+'s answer does not decode: "
                + Untrusted.escape(e.getMessage(), 200), null, e);
        }
    }

    private static byte[] b64(String step, String field, String value) throws LpaException {
        try {
            byte[] b = Rsp.unb64(value, field);
            if (b.length == 0) {
                throw new LpaException(step, null, null, false, "SMDP_BAD_ANSWER", field + " is empty", null, null);
            }
            return b;
        } catch (RspFormatException e) {
            throw new LpaException(step, null, null, false, "SMDP_BAD_ANSWER", e.getMessage(), null, e);
        }
    }

    private static byte[] bytesOfTid(String step, String hex) throws LpaException {
        try {
            return Rsp.unhex(hex, "transactionId");
        } catch (RspFormatException e) {
            throw new LpaException(step, null, null, false, "SMDP_BAD_ANSWER", e.getMessage(), null, e);
        }
    }

    /** A transactionId as ES9+ carries it (hex, 1-16 bytes, SGP.22 §6.5.2), upper case. */
    private static String transactionId(String step, String hex) throws LpaException {
        return Rsp.hex(bytesOfTid(step, hex));
    }

    private static void sameTransaction(String step, String where, byte[] got, String tid) throws LpaException {
        if (!Rsp.hex(got).equals(tid)) {
            throw new LpaException(step, null, null, false, "TRANSACTION_MISMATCH", where + " names transaction "
                + Rsp.hex(got) + ", not " + tid, null, null);
        }
    }

    private static CardEs10 es10(CardLink card, int blockSize) throws LpaException {
        Objects.requireNonNull(card, "card");
        if (blockSize < 1 || blockSize > StoreData.MAX_BLOCK_SIZE) {
            throw new LpaException("ES10", null, null, false, "BAD_REQUEST", "block size " + blockSize
                + " is not 1-" + StoreData.MAX_BLOCK_SIZE + " (a short APDU's Lc)", null, null);
        }
        return new CardEs10(card, blockSize);
    }

    private static void requireAddress(String smdpAddress) throws LpaException {
        try {
            Es9Client.requireAddress(smdpAddress);
        } catch (IllegalArgumentException e) {
            throw new LpaException("ES9+", null, null, false, "BAD_REQUEST", e.getMessage(), null, null);
        }
    }

    /** DeviceInfo's TAC: the IMEI's first 8 digits, two a byte (as SGP.22 test tools code it); zeros when unknown. */
    static byte[] tacOf(String imei) throws LpaException {
        if (imei == null) {
            return UNKNOWN_TAC.clone();
        }
        if (!imei.matches("[0-9]{15,16}")) {
            throw new LpaException("download", null, null, false, "BAD_REQUEST", "IMEI '" + Untrusted.escape(imei)
                + "' is not 15 digits (or 16, IMEISV)", null, null);
        }
        return HexFormat.of().parseHex(imei.substring(0, 8));
    }

    private static List<ProfileInfo> profiles(CardEs10 es10, ChannelHandling channel) throws LpaException,
            RelayTimeoutException, InterruptedException {
        return decodeCard("ES10c.GetProfilesInfo", () -> ProfileManagement.ProfilesInfoResponse.decode(es10.send(
            "ES10c.GetProfilesInfo", new ProfileManagement.ProfilesInfoRequest(null).encode(), channel)).profiles());
    }

    private static String version(byte[] v) {
        return (v[0] & 0xFF) + "." + (v[1] & 0xFF) + "." + (v[2] & 0xFF);
    }

    /** The value of a 5F37 (signature) or 04 (key id) TLV as ES9+ carries them. */
    static byte[] value(byte[] tlv) {
        ASN1Primitive p;
        try {
            p = ASN1Primitive.fromByteArray(tlv);
        } catch (IOException e) {
            throw new MalformedMessageException("TLV", "not DER: " + e.getMessage(), e);
        }
        if (p instanceof ASN1OctetString s) {
            return s.getOctets();
        }
        return Der.implicitOctets(Der.parseTagged(tlv, Der.APPLICATION, 55, "signature"), "signature");
    }
}
