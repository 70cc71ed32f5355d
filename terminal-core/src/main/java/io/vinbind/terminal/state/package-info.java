/**
 * The terminal's persisted state: the VIN-request flag (and why it was set) and the last bound identity,
 * in a small file replaced atomically (temp file, fsync, rename, directory fsync) so that a power loss at
 * any moment leaves either the old or the new state. The contract of a failed save is on
 * {@link io.vinbind.terminal.state.StateStore}.
 */
package io.vinbind.terminal.state;
