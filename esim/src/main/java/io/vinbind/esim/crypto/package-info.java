/**
 * RSP cryptography (SGP.22 §2.6): P-256 ECKA and ECDSA in the r||s form, and the SCP03t (BSP) protection of
 * bound profile packages with its X9.63 key derivation. BouncyCastle supplies AES-CMAC and the KDF, the JDK
 * the curve operations.
 */
package io.vinbind.esim.crypto;
