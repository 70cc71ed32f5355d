/**
 * The provisioning catalog of the server-side LPA (issue 14): the device-model library (what kind of terminal a
 * terminal is, and how its eUICC is reached through its modem), the configuration library (versioned rules that
 * say which operator profile a terminal needs) and the operator-platform client (GSMA SGP.22 ES2+ orders, and the
 * HandleDownloadProgressInfo callbacks an SM-DP+ makes). The download itself runs through the terminal's APDU
 * relay; see docs/provisioning.md.
 */
package io.vinbind.server.provisioning;
