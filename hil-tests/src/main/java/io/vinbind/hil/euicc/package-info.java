/**
 * Where the eUICC simulator (esim) meets the modem (modem-at): neither module knows the other (DESIGN.md: modem-at
 * carries APDUs without understanding them; the eUICC reaches the modem simulator through modem-at's card
 * interface, wired by hil-tests or the CLI), so the two adapters live here — {@link io.vinbind.hil.euicc.EuiccWiring#card}
 * puts an {@code EuiccSimulator} into the modem simulator as its {@code UiccCard}, and
 * {@link io.vinbind.hil.euicc.ChannelTransport} carries esim's ES10 APDUs over a modem-at {@code UiccChannel}.
 */
package io.vinbind.hil.euicc;
