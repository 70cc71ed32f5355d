/**
 * The JSON HTTP API for factory, after-sales and the telematics back end (JDK {@code com.sun.net.httpserver},
 * bound to 127.0.0.1). Endpoints and curl examples: {@code docs/server.md}.
 */
package io.vinbind.server.http;
