package io.vinbind.esim.message;

/**
 * The top-level tags of the ES10 functions (SGP.22 §5.7, RSPDefinitions), each a context-specific
 * constructed tag coded in two bytes (BF xx).
 */
public enum Es10Tag {
    /** ES10b.GetEUICCInfo (1). */
    EUICC_INFO1(32),
    /** ES10b.PrepareDownload. */
    PREPARE_DOWNLOAD(33),
    /** ES10b.GetEUICCInfo (2). */
    EUICC_INFO2(34),
    /** ES8+.InitialiseSecureChannel (first segment of a BPP). */
    INITIALISE_SECURE_CHANNEL(35),
    /** ES10b.ListNotification. */
    LIST_NOTIFICATION(40),
    /** ES10c.SetNickname. */
    SET_NICKNAME(41),
    /** ES10b.RetrieveNotificationsList. */
    RETRIEVE_NOTIFICATIONS_LIST(43),
    /** ES10c.GetProfilesInfo. */
    PROFILES_INFO(45),
    /** ES10b.GetEUICCChallenge. */
    GET_EUICC_CHALLENGE(46),
    /** ES10b.RemoveNotificationFromList (NotificationSent). */
    NOTIFICATION_SENT(48),
    /** ES10c.EnableProfile. */
    ENABLE_PROFILE(49),
    /** ES10c.DisableProfile. */
    DISABLE_PROFILE(50),
    /** ES10c.DeleteProfile. */
    DELETE_PROFILE(51),
    /** ES10b.LoadBoundProfilePackage. */
    BOUND_PROFILE_PACKAGE(54),
    /** The ProfileInstallationResult the eUICC answers the last BPP segment with. */
    PROFILE_INSTALLATION_RESULT(55),
    /** ES10b.AuthenticateServer. */
    AUTHENTICATE_SERVER(56),
    /** ES10c.GetEID (GetEuiccData). */
    GET_EUICC_DATA(62),
    /** ES10b.CancelSession. */
    CANCEL_SESSION(65);

    private final int number;

    Es10Tag(int number) {
        this.number = number;
    }

    /** The context-specific tag number (e.g. 32 for BF20). */
    public int number() {
        return number;
    }

    /** The two tag bytes as an int (e.g. 0xBF20). */
    public int tag() {
        return 0xBF00 | number;
    }

    public static Es10Tag ofNumber(int number) {
        for (Es10Tag t : values()) {
            if (t.number == number) {
                return t;
            }
        }
        return null;
    }
}
