/**
 * RSP certificates (SGP.22 §4.5): the bench's test PKI with the SGP.22 certificate profiles, PEM files,
 * the chain checks by key identifier and signature with the EUM's EID-prefix name constraint, and the
 * identities of an eUICC and an SM-DP+.
 */
package io.vinbind.esim.pki;
