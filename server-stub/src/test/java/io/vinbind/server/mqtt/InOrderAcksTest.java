package io.vinbind.server.mqtt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InOrderAcksTest {

    private final List<Integer> sent = new ArrayList<>();
    private final InOrderAcks acks = new InOrderAcks((id, qos) -> sent.add(id));

    @Test
    void acknowledges_in_arrival_order_whatever_order_requests_finish_in() {
        InOrderAcks.Pending a = acks.arrived(1, 1);
        InOrderAcks.Pending b = acks.arrived(2, 1);
        InOrderAcks.Pending c = acks.arrived(3, 1);
        acks.finished(c);
        acks.finished(b);
        assertEquals(List.of(), sent, "1 is still being decided");
        acks.finished(a);
        assertEquals(List.of(1, 2, 3), sent);
        assertEquals(0, acks.unacknowledged());
    }

    @Test
    void a_failed_request_blocks_everything_behind_it_until_the_connection_is_replaced() {
        InOrderAcks.Pending a = acks.arrived(1, 1);
        InOrderAcks.Pending b = acks.arrived(2, 1);
        assertTrue(acks.failed(a));
        acks.finished(b);
        assertEquals(List.of(), sent, "nothing behind an unpublished answer is acknowledged");
        assertEquals(2, acks.newConnection());
        InOrderAcks.Pending again = acks.arrived(1, 1); // the broker delivers it again, reusing the id
        acks.finished(again);
        assertEquals(List.of(1), sent);
    }

    @Test
    void a_request_of_an_earlier_connection_never_acknowledges_a_packet_of_the_new_one() {
        InOrderAcks.Pending old = acks.arrived(7, 1);
        acks.newConnection();
        InOrderAcks.Pending stranger = acks.arrived(7, 1); // same packet id, another message
        acks.finished(old);
        assertEquals(List.of(), sent, "the old request's PUBACK would acknowledge the stranger");
        assertFalse(acks.failed(old), "nothing to replace for a request of a dead connection");
        acks.finished(stranger);
        assertEquals(List.of(7), sent);
    }

    @Test
    void an_acknowledgement_that_cannot_be_sent_does_not_stop_the_ones_behind_it() {
        List<Integer> tried = new ArrayList<>();
        InOrderAcks failing = new InOrderAcks((id, qos) -> {
            tried.add(id);
            throw new IllegalStateException("connection closing");
        });
        InOrderAcks.Pending a = failing.arrived(1, 1);
        InOrderAcks.Pending b = failing.arrived(2, 1);
        failing.finished(b);
        failing.finished(a);
        assertEquals(List.of(1, 2), tried);
        assertEquals(0, failing.unacknowledged());
    }
}
