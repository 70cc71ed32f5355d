package io.vinbind.server.mqtt;

import java.util.ArrayDeque;
import java.util.Objects;
import org.tinylog.Logger;

/**
 * Sends the PUBACKs of received requests in the order the requests arrived, each only once it is finished.
 *
 * <p>MQTT 5 §4.6 (MQTT-4.6.0-2): a receiver acknowledges QoS 1 PUBLISH packets in the order it received them.
 * Requests are decided concurrently, so a later request often finishes first; its acknowledgement waits until
 * every earlier one is finished too. A PUBACK tells the broker it may forget the request, so "finished" means
 * its answer is durable and published (or it was deliberately refused or dropped): a request whose answer
 * could not be published is {@link #failed failed} and is never acknowledged — it blocks the head until the
 * connection is replaced, after which the broker delivers it again (MQTT-4.4.0-1) and the stored answer makes
 * the retry idempotent.
 *
 * <p>Packet identifiers belong to one network connection: after a reconnect the broker reuses them for other
 * messages. {@link #newConnection} therefore forgets everything of the old connection, and a request of an
 * older connection that finishes afterwards is ignored instead of acknowledging a stranger's packet.
 *
 * <p>Thread-safe. Acknowledgements are sent while holding this object's lock, so that two workers finishing
 * at once cannot put their PUBACKs on the wire in the wrong order; sending one only queues a packet.
 */
final class InOrderAcks {

    /** Sends one PUBACK; exceptions are the client's (the connection is going away). */
    @FunctionalInterface
    interface Acknowledger {
        void acknowledge(int packetId, int qos) throws Exception;
    }

    /** A received request, from its arrival to its acknowledgement. */
    static final class Pending {
        private final long connection;
        private final int packetId;
        private final int qos;
        private State state = State.WORKING;

        private Pending(long connection, int packetId, int qos) {
            this.connection = connection;
            this.packetId = packetId;
            this.qos = qos;
        }

        int packetId() {
            return packetId;
        }
    }

    private enum State { WORKING, FINISHED, FAILED }

    private final Acknowledger acknowledger;
    private final ArrayDeque<Pending> arrival = new ArrayDeque<>();
    private long connection;
    private long acknowledged;

    InOrderAcks(Acknowledger acknowledger) {
        this.acknowledger = Objects.requireNonNull(acknowledger, "acknowledger");
    }

    /** Records a request as it arrives (called in arrival order, by the client's one callback thread). */
    synchronized Pending arrived(int packetId, int qos) {
        Pending p = new Pending(connection, packetId, qos);
        arrival.addLast(p);
        return p;
    }

    /** The request is finished: acknowledges it and every finished request behind it, in arrival order. */
    synchronized void finished(Pending p) {
        if (p.connection != connection) {
            Logger.debug("request {} of an earlier connection finished; the broker delivers it again", p.packetId);
            return;
        }
        p.state = State.FINISHED;
        while (!arrival.isEmpty() && arrival.peekFirst().state == State.FINISHED) {
            Pending head = arrival.pollFirst();
            try {
                acknowledger.acknowledge(head.packetId, head.qos);
                acknowledged++;
            } catch (Exception e) {
                // the connection is going: everything not acknowledged is delivered again on the next one
                Logger.warn("could not acknowledge request {}: {}", head.packetId, e.getMessage());
            }
        }
    }

    /**
     * The request's answer could not be published: it stays unacknowledged, and so does everything that
     * arrived after it on this connection. Returns true if the request belongs to the current connection
     * (the caller then replaces the connection so that the broker delivers it again).
     */
    synchronized boolean failed(Pending p) {
        if (p.connection != connection) {
            return false;
        }
        p.state = State.FAILED;
        return true;
    }

    /**
     * The connection was lost or is being replaced: forgets its requests (the broker delivers every
     * unacknowledged one again on the next connection). Returns how many were forgotten.
     */
    synchronized int newConnection() {
        connection++;
        int forgotten = arrival.size();
        arrival.clear();
        return forgotten;
    }

    /** Requests received on the current connection and not yet acknowledged. */
    synchronized int unacknowledged() {
        return arrival.size();
    }

    /** Acknowledgements sent so far. */
    synchronized long acknowledged() {
        return acknowledged;
    }
}
