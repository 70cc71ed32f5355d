/**
 * The JSON HTTP API for factory, after-sales and the telematics back end: routes in {@link
 * io.vinbind.server.http.HttpApi}, the non-blocking HTTP/1.1 transport (Netty, the broker's own) in {@code
 * HttpTransport}, bound to 127.0.0.1. Endpoints and curl examples: {@code docs/server.md}.
 */
package io.vinbind.server.http;
