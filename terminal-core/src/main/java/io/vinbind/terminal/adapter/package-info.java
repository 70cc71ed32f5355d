/**
 * The ports implemented with the real transports: UDS over ISO-TP on CAN (can-bus), AT commands
 * (modem-at), MQTT 5 (Eclipse Paho over mutual TLS with the terminal's certificate, with the protocol
 * module's topics and JSON), and power-mode sources
 * (the CAN broadcast, or a file / stdin on benches). Blocking calls run on an adapter's own worker thread
 * so the machine's thread never blocks.
 */
package io.vinbind.terminal.adapter;
