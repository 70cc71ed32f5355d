/**
 * The terminal's side of presence (issue 15): heartbeats on the kept MQTT session at the interval the server sets, a
 * last POWER_OFF heartbeat before the clean DISCONNECT, and the session's Will for the unclean end.
 */
package io.vinbind.terminal.presence;
