/**
 * VIN rules of ISO 3779 with the check digit of 49 CFR 565.15 / GB 16735-2019, in a strict and a lenient
 * mode. The check digit itself comes from the protocol module's {@code Vin}, shared with the server, so
 * terminal and server never disagree on what a valid VIN is.
 */
package io.vinbind.terminal.vin;
