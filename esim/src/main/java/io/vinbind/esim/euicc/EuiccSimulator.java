package io.vinbind.esim.euicc;

import io.vinbind.esim.bpp.ProfilePackage;
import io.vinbind.esim.es10.Es10Client;
import io.vinbind.esim.es10.StatusWord;
import io.vinbind.esim.es10.StoreData;
import io.vinbind.esim.message.ProfileClass;
import io.vinbind.esim.message.ProfileState;
import io.vinbind.esim.pki.EuiccCredentials;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * A simulated eUICC behind a plain APDU interface: {@link #transmit(byte[])} takes a command APDU and returns
 * the response APDU (data, SW1, SW2), never throwing for bad input — a malformed or refused command gets
 * the status word a card would give. It has logical channels (MANAGE CHANNEL, ETSI TS 102 221 §11.1.17),
 * SELECT by AID of the ISD-R ({@link Es10Client#ISD_R_AID}) on any open channel, STORE DATA chaining with
 * block numbers, 61xx and GET RESPONSE, and behind them every ES10 function of {@link Isdr}.
 *
 * <p>Profiles and pending notifications persist in a state file when one is given. The profile the network
 * sees (for a modem's AT+CIMI / AT+CCID) is {@link #enabledProfile()}; with
 * {@link EuiccConfig#enableNeedsRefresh()} it changes only on {@link #refresh()}.
 *
 * <p>Thread-safe: APDUs are processed one at a time, as by a card.
 */
public final class EuiccSimulator {

    /** The profile the network sees: the enabled one. */
    public record EnabledProfile(String iccid, String imsi) {
    }

    private static final int INS_MANAGE_CHANNEL = 0x70;
    private static final int INS_SELECT = 0xA4;
    private static final int INS_GET_RESPONSE = 0xC0;

    private final EuiccCredentials identity;
    private final EuiccConfig config;
    private final ProfileStore store;
    private final Isdr isdr;
    private final Channel[] channels;
    private volatile Runnable listener = () -> { };

    /** Per logical channel: selected application, STORE DATA in progress, response waiting for GET RESPONSE. */
    private static final class Channel {
        boolean open;
        boolean isdrSelected;
        int nextBlock;
        final ByteArrayOutputStream command = new ByteArrayOutputStream();
        byte[] pending;
        int pendingOffset;

        void clear() {
            isdrSelected = false;
            nextBlock = 0;
            command.reset();
            pending = null;
            pendingOffset = 0;
        }
    }

    /**
     * @param identity EID, eUICC and EUM certificates, the eUICC's key, trusted CIs
     * @param config memory and faults
     * @param stateFile where profiles and notifications persist (loaded if it exists), or null for memory only
     */
    public EuiccSimulator(EuiccCredentials identity, EuiccConfig config, Path stateFile) {
        this.identity = Objects.requireNonNull(identity, "identity");
        this.config = Objects.requireNonNull(config, "config");
        this.store = new ProfileStore(stateFile);
        this.isdr = new Isdr(identity, config, store, () -> listener.run());
        this.channels = new Channel[config.maxLogicalChannels()];
        for (int i = 0; i < channels.length; i++) {
            channels[i] = new Channel();
        }
        channels[0].open = true;
    }

    public String eid() {
        return identity.eid();
    }

    /** Processes one command APDU; returns response data followed by SW1 SW2. */
    public synchronized byte[] transmit(byte[] apdu) {
        if (!config.answerDelay().isZero()) {
            try {
                Thread.sleep(config.answerDelay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return sw(StatusWord.TECHNICAL_PROBLEM);
            }
        }
        byte[] r = handle(apdu);
        if (Logger.isTraceEnabled()) {
            Logger.trace("eUICC {} APDU {} -> {}", identity.eid(), hex(apdu), hex(r));
        }
        return r;
    }

    private byte[] handle(byte[] apdu) {
        if (apdu == null || apdu.length < 4) {
            return sw(StatusWord.WRONG_LENGTH);
        }
        int cla = apdu[0] & 0xFF;
        int ins = apdu[1] & 0xFF;
        int p1 = apdu[2] & 0xFF;
        int p2 = apdu[3] & 0xFF;
        byte[] data = new byte[0];
        Integer le = null;
        if (apdu.length == 5) {
            le = apdu[4] & 0xFF;
        } else if (apdu.length > 5) {
            int lc = apdu[4] & 0xFF;
            if (lc == 0 || apdu.length < 5 + lc || apdu.length > 6 + lc) {
                return sw(StatusWord.WRONG_LENGTH);
            }
            data = Arrays.copyOfRange(apdu, 5, 5 + lc);
            if (apdu.length == 6 + lc) {
                le = apdu[5 + lc] & 0xFF;
            }
        }
        if (cla == 0xFF || (cla & 0x20) != 0) {
            return sw(StatusWord.CLA_NOT_SUPPORTED);
        }
        int ch = StoreData.channelOf(cla);
        if (ch >= channels.length || !channels[ch].open) {
            return sw(StatusWord.LOGICAL_CHANNEL_NOT_SUPPORTED);
        }
        Channel c = channels[ch];
        return switch (ins) {
            case INS_MANAGE_CHANNEL -> manageChannel(ch, p1, p2);
            case INS_SELECT -> select(c, p1, data);
            case StoreData.INS -> storeData(c, cla, p1, p2, data, le);
            case INS_GET_RESPONSE -> getResponse(c, p3(le));
            default -> sw(StatusWord.INS_NOT_SUPPORTED);
        };
    }

    private static int p3(Integer le) {
        return le == null || le == 0 ? 256 : le;
    }

    private byte[] manageChannel(int from, int p1, int p2) {
        if (p1 == 0x00) {
            if (p2 != 0) {
                return sw(StatusWord.WRONG_P1P2);
            }
            for (int i = 1; i < channels.length; i++) {
                if (!channels[i].open) {
                    channels[i].clear();
                    channels[i].open = true;
                    return new byte[] {(byte) i, (byte) 0x90, 0x00};
                }
            }
            return sw(StatusWord.NO_MORE_CHANNELS);
        }
        if (p1 == 0x80) {
            if (p2 == 0 || p2 >= channels.length || !channels[p2].open) {
                return sw(StatusWord.WRONG_P1P2);
            }
            channels[p2].clear();
            channels[p2].open = false;
            return sw(StatusWord.OK);
        }
        return sw(StatusWord.WRONG_P1P2);
    }

    private byte[] select(Channel c, int p1, byte[] aid) {
        if (p1 != 0x04) {
            return sw(StatusWord.WRONG_P1P2);
        }
        c.clear();
        if (Arrays.equals(aid, Es10Client.ISD_R_AID)) {
            c.isdrSelected = true;
            return sw(StatusWord.OK);
        }
        return sw(StatusWord.FILE_NOT_FOUND);
    }

    private byte[] storeData(Channel c, int cla, int p1, int p2, byte[] data, Integer le) {
        if ((cla & 0x80) == 0) {
            return sw(StatusWord.CLA_NOT_SUPPORTED);
        }
        if (!c.isdrSelected) {
            return sw(StatusWord.CONDITIONS_NOT_SATISFIED);
        }
        if (p1 != StoreData.P1_MORE && p1 != StoreData.P1_LAST) {
            c.command.reset();
            c.nextBlock = 0;
            return sw(StatusWord.WRONG_P1P2);
        }
        if (p2 != c.nextBlock) {
            Logger.info("eUICC {}: STORE DATA block {} where block {} was due", identity.eid(), p2, c.nextBlock);
            c.command.reset();
            c.nextBlock = 0;
            return sw(StatusWord.WRONG_P1P2);
        }
        c.pending = null;
        c.command.writeBytes(data);
        if (c.command.size() > 64 * 1024) {
            c.command.reset();
            c.nextBlock = 0;
            return sw(StatusWord.WRONG_LENGTH);
        }
        if (p1 == StoreData.P1_MORE) {
            c.nextBlock++;
            return sw(StatusWord.OK);
        }
        byte[] request = c.command.toByteArray();
        c.command.reset();
        c.nextBlock = 0;
        byte[] answer;
        try {
            answer = isdr.process(request);
        } catch (Isdr.Es10Refusal e) {
            Logger.info("eUICC {}: ES10 request refused ({}): {}", identity.eid(), StatusWord.hex(e.statusWord), e.getMessage());
            return sw(e.statusWord);
        } catch (RuntimeException e) {
            Logger.error(e, "eUICC {}: ES10 request failed", identity.eid());
            return sw(StatusWord.TECHNICAL_PROBLEM);
        }
        if (answer.length == 0) {
            return sw(StatusWord.OK);
        }
        c.pending = answer;
        c.pendingOffset = 0;
        if (le != null) {
            return getResponse(c, p3(le));
        }
        return more(c);
    }

    private byte[] getResponse(Channel c, int max) {
        if (c.pending == null) {
            return sw(StatusWord.CONDITIONS_NOT_SATISFIED);
        }
        int n = Math.min(max, c.pending.length - c.pendingOffset);
        byte[] out = Arrays.copyOfRange(c.pending, c.pendingOffset, c.pendingOffset + n + 2);
        c.pendingOffset += n;
        if (c.pendingOffset >= c.pending.length) {
            c.pending = null;
            out[n] = (byte) 0x90;
            out[n + 1] = 0x00;
            return out;
        }
        byte[] tail = more(c);
        out[n] = tail[0];
        out[n + 1] = tail[1];
        return out;
    }

    private static byte[] more(Channel c) {
        int left = c.pending.length - c.pendingOffset;
        return new byte[] {0x61, (byte) (left >= 256 ? 0 : left)};
    }

    // ---- the modem simulator's view ----

    /** The profile the network sees, if any. */
    public synchronized Optional<EnabledProfile> enabledProfile() {
        String iccid = store.active();
        return iccid == null ? Optional.empty()
            : store.find(iccid).map(p -> new EnabledProfile(p.iccid(), p.imsi()));
    }

    /** The IMSI of the profile the network sees (AT+CIMI), if one is enabled. */
    public Optional<String> enabledImsi() {
        return enabledProfile().map(EnabledProfile::imsi);
    }

    /** The ICCID of the profile the network sees (AT+CCID), if one is enabled. */
    public Optional<String> enabledIccid() {
        return enabledProfile().map(EnabledProfile::iccid);
    }

    /** True when an enable or disable waits for {@link #refresh()}. */
    public synchronized boolean refreshPending() {
        String enabled = store.profiles().stream().filter(p -> p.state() == ProfileState.ENABLED).map(StoredProfile::iccid)
            .findFirst().orElse(null);
        return !Objects.equals(enabled, store.active());
    }

    /** The REFRESH (or modem restart) after which the enabled profile is the one the network sees. */
    public synchronized void refresh() {
        String enabled = store.profiles().stream().filter(p -> p.state() == ProfileState.ENABLED).map(StoredProfile::iccid)
            .findFirst().orElse(null);
        if (!Objects.equals(enabled, store.active())) {
            store.setActive(enabled);
            store.save();
            Logger.info("eUICC {}: REFRESH: the network now sees profile {}", identity.eid(), enabled);
            listener.run();
        }
    }

    /** A card reset (power cycle): channels closed, a download in progress ends as interrupted. */
    public synchronized void reset() {
        isdr.reset();
        for (int i = 0; i < channels.length; i++) {
            channels[i].clear();
            channels[i].open = i == 0;
        }
        refresh();
    }

    /** Called (on the APDU thread) whenever the profile the network sees may have changed. */
    public void onEnabledProfileChange(Runnable r) {
        listener = Objects.requireNonNull(r, "listener");
    }

    /** The installed profiles. */
    public synchronized List<StoredProfile> profiles() {
        return store.profiles();
    }

    /** Bytes of profile memory free. */
    public synchronized long freeMemory() {
        return Math.max(0, config.memoryBytes() - store.usedMemory());
    }

    /** Sequence numbers of the pending notifications. */
    public synchronized List<Long> pendingNotifications() {
        return store.notifications().stream().map(ProfileStore.Pending::seqNumber).toList();
    }

    /**
     * Installs a profile as the factory would (no download, no notification), enabled or not: the bench's way
     * of giving an eUICC its bootstrap profile.
     */
    public synchronized void preinstall(ProfilePackage profile, boolean enabled) {
        if (store.find(profile.iccid().digits()).isPresent()) {
            throw new IllegalArgumentException("ICCID " + profile.iccid() + " is already on eUICC " + identity.eid());
        }
        if (enabled) {
            store.profiles().stream().filter(p -> p.state() == ProfileState.ENABLED)
                .forEach(p -> store.put(p.withState(ProfileState.DISABLED)));
        }
        String aid = String.format("A0000005591010FFFFFFFF89%04X00", 0x0010 + store.takeIsdpNumber());
        store.put(new StoredProfile(profile.iccid().digits(), profile.imsi(), aid,
            enabled ? ProfileState.ENABLED : ProfileState.DISABLED, "", "vinbind", profile.profileType(),
            ProfileClass.OPERATIONAL, profile.encode(new byte[16], new byte[16]).length, List.of()));
        if (enabled) {
            store.setActive(profile.iccid().digits());
        }
        store.save();
        listener.run();
    }

    private static byte[] sw(int sw) {
        return new byte[] {(byte) (sw >> 8), (byte) sw};
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
