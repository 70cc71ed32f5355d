/**
 * The wire contract between the vinbind terminal and the binding server: MQTT topic names, payload records,
 * outcome and reason codes, the strict JSON mapping, and the VIN rules (ISO 3779) both sides share.
 *
 * <p>No transport code lives here: this package knows topic strings and payload bytes, never an MQTT client,
 * so the terminal and the server (and tests) can use any client. See {@code docs/protocol.md}.
 */
package io.vinbind.protocol;
