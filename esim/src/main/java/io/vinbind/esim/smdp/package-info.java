/**
 * The SM-DP+ simulator: ES2+ and ES9+ over HTTPS (JDK {@code HttpsServer}) with the DPtls certificate, the
 * real RSP checks and cryptography, a profile inventory, persisted orders and sessions, operator callbacks
 * and faults. See {@code docs/esim.md}.
 */
package io.vinbind.esim.smdp;
