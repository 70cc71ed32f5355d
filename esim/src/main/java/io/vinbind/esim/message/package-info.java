/**
 * The SGP.22 ASN.1 structures the download flow needs (RSPDefinitions, AUTOMATIC TAGS), as immutable records
 * with {@code encode()} and {@code decode(byte[])} on BouncyCastle's ASN.1 classes: ES10a/b/c requests and
 * responses, the parts of a bound profile package, notifications and the ProfileInstallationResult.
 * Decoding untrusted bytes throws {@link io.vinbind.esim.message.MalformedMessageException} naming the
 * structure and the field; error results of the eUICC (AuthenticateErrorCode, DownloadErrorCode,
 * ErrorReason…) are values, not exceptions.
 */
package io.vinbind.esim.message;
