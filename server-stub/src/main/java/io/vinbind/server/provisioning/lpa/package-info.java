/**
 * The production server-side LPA (issue 14 part 5): for terminals without an LPA the server runs the LPA logic of
 * GSMA SGP.22 — ES9+ (§5.6) to the SM-DP+ over HTTPS ({@link io.vinbind.server.provisioning.lpa.Es9Client}) and ES10
 * (§5.7) on the terminal's eUICC through a {@link io.vinbind.server.relay.CardLink} (the APDU relay over MQTT) —
 * with downloads that report each step, cancel properly on failure and deliver notifications. See
 * docs/provisioning.md, "Server-side LPA".
 */
package io.vinbind.server.provisioning.lpa;
