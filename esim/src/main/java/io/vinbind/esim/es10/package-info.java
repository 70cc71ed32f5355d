/**
 * ES10 framing (SGP.22 §5.7.2): STORE DATA chaining with the logical channel in CLA, GET RESPONSE on 61xx,
 * and the LPA-side client that opens a channel to the ISD-R and loads bound profile packages segment by
 * segment. Transport-free: APDUs go through an {@link io.vinbind.esim.es10.ApduTransport}.
 */
package io.vinbind.esim.es10;
