package io.vinbind.protocol;

/** What a {@link Heartbeat} says of the terminal's session. */
public enum PresenceState {
    /** Powered and connected; sent every heartbeat interval. */
    ALIVE,
    /** The vehicle was switched OFF: the last heartbeat before a clean DISCONNECT, so the server need not wait. */
    POWER_OFF,
    /** The session's MQTT Will (MQTT 5 §3.1.3.2): the broker publishes it when the connection ended uncleanly. */
    LOST
}
