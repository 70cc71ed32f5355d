/**
 * The binding rules (DESIGN.md "Binding rules") and the rebind policies, on a storage interface
 * ({@link io.vinbind.server.binding.BindingStore}): login gate, bind / rebind / release, replay of a
 * requestId, holds and their approval, manual unbind, and user → VIN → IMSI resolution. Knows nothing of
 * MQTT or HTTP.
 */
package io.vinbind.server.binding;
