package io.vinbind.can.uds;

/** Outcome of ReadDataByIdentifier: the DID's value, or the ECU's refusal. */
public sealed interface DidReadResult permits DidValue, NegativeResponse {
}
