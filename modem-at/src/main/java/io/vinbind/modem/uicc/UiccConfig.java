package io.vinbind.modem.uicc;

import java.time.Duration;
import java.util.Objects;

/**
 * How the channel API talks to the card.
 *
 * @param path               how APDUs travel; {@link ChannelPath#AUTO} tries the logical-channel commands, then AT+CSIM
 * @param apduTimeout        deadline of an ordinary APDU (and of opening a channel)
 * @param downloadApduTimeout deadline of an APDU during a profile download: some modems take minutes to answer a
 *                           STORE DATA of a bound profile package while the card installs it
 * @param cleanupTimeout     deadline of closing a channel
 * @param getResponse        follow {@code 61xx} with GET RESPONSE (and {@code 6Cxx} with the command again with
 *                           Le = xx) and return the whole answer; off, the caller sees {@code 61xx} itself
 * @param maxGetResponses    bound on GET RESPONSE rounds for one APDU (each brings at most 256 bytes)
 */
public record UiccConfig(ChannelPath path, Duration apduTimeout, Duration downloadApduTimeout, Duration cleanupTimeout,
                         boolean getResponse, int maxGetResponses) {

    /**
     * AUTO; 10 s per ordinary APDU, 240 s per APDU of a download, 30 s for clean-up — the fixed deadlines that
     * work with the modems users report (downloads through AT take 26-89 s in all); GET RESPONSE followed, at most
     * 256 rounds (64 KiB).
     */
    public static final UiccConfig DEFAULT = new UiccConfig(ChannelPath.AUTO, Duration.ofSeconds(10), Duration.ofSeconds(240),
            Duration.ofSeconds(30), true, 256);

    public UiccConfig {
        Objects.requireNonNull(path, "path");
        check(apduTimeout, "apduTimeout");
        check(downloadApduTimeout, "downloadApduTimeout");
        check(cleanupTimeout, "cleanupTimeout");
        if (maxGetResponses < 1 || maxGetResponses > 4096) {
            throw new IllegalArgumentException("maxGetResponses must be 1-4096: " + maxGetResponses);
        }
    }

    private static void check(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.toMillis() < 1 || d.toMinutes() > 10) {
            throw new IllegalArgumentException(name + " must be 1 ms..10 min: " + d);
        }
    }

    /** The deadline of one AT command carrying an APDU of this kind. */
    public Duration timeout(ApduKind kind) {
        return switch (kind) {
            case ORDINARY -> apduTimeout;
            case DOWNLOAD -> downloadApduTimeout;
            case CLEANUP -> cleanupTimeout;
        };
    }

    public UiccConfig withPath(ChannelPath p) {
        return new UiccConfig(p, apduTimeout, downloadApduTimeout, cleanupTimeout, getResponse, maxGetResponses);
    }

    public UiccConfig withTimeouts(Duration ordinary, Duration download, Duration cleanup) {
        return new UiccConfig(path, ordinary, download, cleanup, getResponse, maxGetResponses);
    }

    public UiccConfig withGetResponse(boolean follow) {
        return new UiccConfig(path, apduTimeout, downloadApduTimeout, cleanupTimeout, follow, maxGetResponses);
    }

    public UiccConfig withMaxGetResponses(int n) {
        return new UiccConfig(path, apduTimeout, downloadApduTimeout, cleanupTimeout, getResponse, n);
    }
}
