package io.vinbind.server.provisioning.lpa;

import io.vinbind.esim.message.ProfileInfo;
import java.util.List;
import java.util.OptionalLong;

/**
 * What {@link ServerLpa#inspect} read from an eUICC.
 *
 * @param eid the EID (32 digits, ES10c GetEID)
 * @param freeNonVolatileMemory free memory for profiles from EUICCInfo2's extCardResource (empty when not reported)
 * @param profiles the profiles (ES10c GetProfilesInfo)
 */
public record CardReport(String eid, OptionalLong freeNonVolatileMemory, List<ProfileInfo> profiles) {
    public CardReport {
        profiles = List.copyOf(profiles);
    }
}
