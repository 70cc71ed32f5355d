package io.vinbind.can.uds;

/** What an ECU answered a UDS request with: positive or negative. Both are outcomes, not errors. */
public sealed interface UdsResponse permits PositiveResponse, NegativeResponse {
    /** The request's service identifier this response belongs to. */
    int serviceId();
}
