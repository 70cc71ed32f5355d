/**
 * The server's MQTT side: a Paho MQTT 5 client that consumes login and bind requests through shared
 * subscriptions, decodes them strictly, hands them to the binding rules, publishes the acks, and only then
 * acknowledges (PUBACK) the request, so a request in flight when a server dies is redelivered by the broker.
 */
package io.vinbind.server.mqtt;
