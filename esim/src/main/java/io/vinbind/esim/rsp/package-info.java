/**
 * The ES2+ and ES9+ JSON payloads (SGP.22 §6.5) as Jackson records, the response header with the GSMA
 * function execution status, and the subject/reason codes ({@link io.vinbind.esim.rsp.StatusCode}). A strict
 * mapping: unknown, missing or mistyped fields are refused naming the field. No HTTP client here.
 */
package io.vinbind.esim.rsp;
