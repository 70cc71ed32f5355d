/**
 * The append-only binding history: every bind, rebind, release, manual unbind, rejection, hold, approval
 * and SIM/modem swap, with previous and new values, reason, source and time. The application only ever
 * inserts; the database refuses UPDATE and DELETE on the table (trigger, migration V2).
 */
package io.vinbind.server.history;
