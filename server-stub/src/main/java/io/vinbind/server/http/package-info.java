/**
 * The JSON HTTP API for factory, after-sales and the telematics back end: routes in {@link
 * io.vinbind.server.http.HttpApi}, the non-blocking HTTP/1.1 transport (Netty, the broker's own) in {@code
 * HttpTransport}, bound to the listen address (plain HTTP on loopback, HTTPS elsewhere). Endpoints and curl examples: {@code docs/server.md}.
 */
package io.vinbind.server.http;
