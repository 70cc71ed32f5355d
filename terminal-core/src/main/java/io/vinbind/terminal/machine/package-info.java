/**
 * The binding state machine: one thread, an injected clock, every wait bounded, and the flag cleared only
 * by a matching bind-ack. States and edges are drawn on {@link io.vinbind.terminal.machine.BindingState};
 * the decision rules are {@link io.vinbind.terminal.machine.BindDecision}; the failure policy is on
 * {@link io.vinbind.terminal.machine.BindingMachine}.
 */
package io.vinbind.terminal.machine;
