/**
 * Presence (issue 15; claims 3–5 of the seed): heartbeats counted per time window, a limits table that sets each
 * terminal's heartbeat and send intervals and storage, and an online dictionary whose timeout turns silence into an
 * offline record. See docs/presence.md.
 */
package io.vinbind.server.presence;
