/**
 * The eUICC simulator: an ISD-R with every ES10 function of SGP.22 and the real RSP cryptography, behind a
 * plain {@code byte[] transmit(byte[] apdu)} interface with logical channels, a persisted profile store
 * and notifications, configurable memory and faults. See {@code docs/esim.md}.
 */
package io.vinbind.esim.euicc;
