package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TopicsTest {

    private static final String TERMINAL = "TBOX-A2-000017";

    @Test
    void names_the_four_topics_under_the_terminal_id() {
        assertEquals("vinbind/v2/TBOX-A2-000017/login", Topics.login(TERMINAL));
        assertEquals("vinbind/v2/TBOX-A2-000017/login/ack", Topics.loginAck(TERMINAL));
        assertEquals("vinbind/v2/TBOX-A2-000017/bind", Topics.bind(TERMINAL));
        assertEquals("vinbind/v2/TBOX-A2-000017/bind/ack", Topics.bindAck(TERMINAL));
        assertEquals("vinbind/v2/TBOX-A2-000017/#", Topics.subtree(TERMINAL));
    }

    @Test
    void shared_subscriptions_use_the_vinbind_group_and_a_single_level_wildcard() {
        assertEquals("$share/vinbind/vinbind/v2/+/bind", Topics.sharedSubscription(MessageType.BIND));
        assertEquals("$share/vinbind/vinbind/v2/+/login", Topics.sharedSubscription(MessageType.LOGIN));
        assertEquals("vinbind/v2/+/bind/ack", Topics.allTerminals(MessageType.BIND_ACK));
    }

    @Test
    void parses_every_topic_back_to_terminal_id_and_type() throws ProtocolException {
        for (MessageType type : MessageType.values()) {
            TopicAddress address = Topics.parse(Topics.topic(TERMINAL, type));
            assertEquals(TERMINAL, address.terminalId());
            assertEquals(type, address.type());
        }
    }

    @Test
    void refuses_foreign_and_v1_topics_bad_terminal_ids_and_unknown_messages() {
        assertBadTopic("other/v2/TBOX-1/bind");
        assertBadTopic("vinbind/v1/460011234567890/bind"); // v1 keyed topics by IMSI: not spoken any more
        assertBadTopic("vinbind/v2/TBOX+1/bind");
        assertBadTopic("vinbind/v2/svc:vinbind-server/bind"); // service identities are not terminals
        assertBadTopic("vinbind/v2/-TBOX/bind");
        assertBadTopic("vinbind/v2/TBOX-1/statuses");
        assertEquals(MessageType.HEARTBEAT, assertDoesNotThrow(() -> Topics.parse("vinbind/v2/TBOX-1/heartbeat")).type());
        assertBadTopic("vinbind/v2/TBOX-1");
        assertBadTopic(null);
        assertThrows(IllegalArgumentException.class, () -> Topics.topic("a#b", MessageType.BIND));
    }

    @Test
    void ack_types_pair_with_requests() {
        assertEquals(MessageType.LOGIN_ACK, MessageType.LOGIN.ackType());
        assertEquals(MessageType.BIND_ACK, MessageType.BIND.ackType());
        assertThrows(IllegalStateException.class, MessageType.BIND_ACK::ackType);
    }

    private static void assertBadTopic(String topic) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> Topics.parse(topic));
        assertEquals(ProtocolException.Problem.BAD_TOPIC, e.problem());
    }
}
