/**
 * The registry of modem identities registered at the factory (IMSI, ICCID, IMEI, batch, terminal part
 * number, time), its idempotent CSV import with a per-line report, and login handling: only a registered
 * IMSI may log in, and an ICCID/IMEI that differs from the registry is recorded as a SIM or modem swap.
 */
package io.vinbind.server.registry;
