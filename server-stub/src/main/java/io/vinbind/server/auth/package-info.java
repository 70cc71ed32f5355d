/**
 * Who may call the HTTP API: bearer tokens stored as hashes ({@link io.vinbind.server.auth.ApiTokens}), the
 * principal a token stands for, and the roles routes require. See {@code docs/security.md}.
 */
package io.vinbind.server.auth;
