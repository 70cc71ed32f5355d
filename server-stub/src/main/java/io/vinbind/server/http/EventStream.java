package io.vinbind.server.http;

/**
 * A server-sent event stream (WHATWG HTML, "Server-sent events": {@code text/event-stream}): the answer of a route
 * that keeps its connection and writes events as they happen.
 */
interface EventStream {

    /** Where events go; false once the client has gone. */
    interface Sink {
        boolean send(String event, String id, String data);

        /** A comment line, to keep the connection from idling out. */
        boolean comment(String text);
    }

    /**
     * Called once the answer's headers are written: keep the sink and send to it. The handle returned is closed when
     * the client goes or the server stops.
     */
    AutoCloseable open(Sink sink);
}
