package io.vinbind.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TopicsTest {

    private static final String IMSI = "460011234567890";

    @Test
    void names_the_four_topics_under_the_imsi() {
        assertEquals("vinbind/v1/460011234567890/login", Topics.login(IMSI));
        assertEquals("vinbind/v1/460011234567890/login/ack", Topics.loginAck(IMSI));
        assertEquals("vinbind/v1/460011234567890/bind", Topics.bind(IMSI));
        assertEquals("vinbind/v1/460011234567890/bind/ack", Topics.bindAck(IMSI));
    }

    @Test
    void shared_subscriptions_use_the_vinbind_group_and_a_single_level_wildcard() {
        assertEquals("$share/vinbind/vinbind/v1/+/bind", Topics.sharedSubscription(MessageType.BIND));
        assertEquals("$share/vinbind/vinbind/v1/+/login", Topics.sharedSubscription(MessageType.LOGIN));
        assertEquals("vinbind/v1/+/bind/ack", Topics.allTerminals(MessageType.BIND_ACK));
    }

    @Test
    void parses_every_topic_back_to_imsi_and_type() throws ProtocolException {
        for (MessageType type : MessageType.values()) {
            TopicAddress address = Topics.parse(Topics.topic(IMSI, type));
            assertEquals(IMSI, address.imsi());
            assertEquals(type, address.type());
        }
    }

    @Test
    void refuses_foreign_topics_bad_imsis_and_unknown_messages() {
        assertBadTopic("other/v1/460011234567890/bind");
        assertBadTopic("vinbind/v2/460011234567890/bind");
        assertBadTopic("vinbind/v1/46001abc/bind");
        assertBadTopic("vinbind/v1/460011234567890/heartbeat"); // reserved, not built
        assertBadTopic("vinbind/v1/460011234567890");
        assertBadTopic(null);
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
