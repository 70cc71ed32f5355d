package io.vinbind.esim.euicc;

import io.vinbind.esim.message.ProfileClass;
import io.vinbind.esim.message.ProfileState;
import java.util.List;
import java.util.Objects;

/**
 * A profile installed on the simulated eUICC, as its profile store keeps it.
 *
 * @param iccid the ICCID digits
 * @param imsi the IMSI read from the profile's EF.IMSI
 * @param isdpAid the ISD-P's AID, hex
 * @param state enabled or disabled (as ES10 reports it)
 * @param nickname the end user's name for it
 * @param serviceProviderName from StoreMetadata
 * @param profileName from StoreMetadata
 * @param profileClass from StoreMetadata
 * @param sizeBytes memory the profile takes
 * @param notifyInstall addresses for install notifications, etc.: operation name → FQDN
 */
public record StoredProfile(String iccid, String imsi, String isdpAid, ProfileState state, String nickname,
                            String serviceProviderName, String profileName, ProfileClass profileClass, long sizeBytes,
                            List<NotificationTargetEntry> notificationTargets) {

    /** One notification target: the operation (install, enable, disable, delete) and the address. */
    public record NotificationTargetEntry(String operation, String address) {
    }

    public StoredProfile {
        Objects.requireNonNull(iccid, "iccid");
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(isdpAid, "isdpAid");
        Objects.requireNonNull(state, "state");
        nickname = nickname == null ? "" : nickname;
        notificationTargets = notificationTargets == null ? List.of() : List.copyOf(notificationTargets);
    }

    StoredProfile withState(ProfileState s) {
        return new StoredProfile(iccid, imsi, isdpAid, s, nickname, serviceProviderName, profileName, profileClass, sizeBytes,
            notificationTargets);
    }

    StoredProfile withNickname(String n) {
        return new StoredProfile(iccid, imsi, isdpAid, state, n, serviceProviderName, profileName, profileClass, sizeBytes,
            notificationTargets);
    }

    /** The address notifications of {@code operation} go to, or null when the profile asks for none. */
    String addressFor(String operation) {
        for (NotificationTargetEntry e : notificationTargets) {
            if (e.operation().equals(operation)) {
                return e.address();
            }
        }
        return null;
    }
}
