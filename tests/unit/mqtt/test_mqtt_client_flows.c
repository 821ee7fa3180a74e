/* test_mqtt_client_flows.c - the MQTT client's QoS 0/1/2 flows in both directions, SUBSCRIBE
 * and UNSUBSCRIBE, and persistent-session resume, over a byte-at-a-time scripted transport. */
#include "test_mqtt_client_fake.h"

static fake_client fc;

static int setup(void **state)
{
    (void)state;
    fake_reset(&fc);
    return 0;
}

static void test_publish_qos0_sends_one_publish_without_id(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    moat_mqtt_publish m = make_msg("a/b", "hello", 0);
    m.retain = true;
    uint16_t id = 99;
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &id), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(id, 0);
    assert_int_equal(sent_count(), 1);
    moat_mqtt_packet p = sent_packet(0);
    assert_int_equal(p.header.type, MOAT_MQTT_PUBLISH);
    assert_int_equal(p.u.publish.qos, 0);
    assert_true(p.u.publish.retain);
    assert_memory_equal(p.u.publish.payload, "hello", 5);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 0);
}

static void test_publish_qos0_larger_than_tx_sends_payload_separately(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    char big[400];
    memset(big, 'z', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    moat_mqtt_publish m = make_msg("big", big, 0); /* tx is 256 bytes */
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, NULL), MOAT_MQTT_CLIENT_OK);
    moat_mqtt_packet p = sent_packet(0);
    assert_int_equal(p.u.publish.payload_len, sizeof big - 1);
    assert_memory_equal(p.u.publish.payload, big, sizeof big - 1);
}

static void test_publish_rejects_wildcard_topic_with_codec_reason(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    moat_mqtt_publish m = make_msg("a/+", "x", 1);
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, NULL), MOAT_MQTT_CLIENT_ERR_ENCODE);
    assert_int_equal(fc.c.codec_status, MOAT_MQTT_ERR_BAD_TOPIC);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 0);
}

static void test_publish_qos1_is_kept_until_puback(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    moat_mqtt_publish m = make_msg("q1", "one", 1);
    uint16_t id = 0;
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &id), MOAT_MQTT_CLIENT_OK);
    assert_int_not_equal(id, 0);
    assert_int_equal(sent_packet(0).u.publish.packet_id, id);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 1);
    feed_ack(MOAT_MQTT_PUBACK, (uint16_t)(id + 1)); /* someone else's id: ignored */
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 1);
    feed_ack(MOAT_MQTT_PUBACK, id);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 0);
    assert_int_equal(fc.c.store_used, 0);
}

static void test_publish_qos2_completes_pubrec_pubrel_pubcomp(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    moat_mqtt_publish m = make_msg("q2", "two", 2);
    uint16_t id = 0;
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &id), MOAT_MQTT_CLIENT_OK);
    feed_ack(MOAT_MQTT_PUBREC, id);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    moat_mqtt_packet rel = sent_packet(1);
    assert_int_equal(rel.header.type, MOAT_MQTT_PUBREL);
    assert_int_equal(rel.u.packet_id, id);
    assert_int_equal(fc.c.store_used, 0); /* the broker owns the message after PUBREC */
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 1);
    feed_ack(MOAT_MQTT_PUBCOMP, id);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 0);
}

static void test_incoming_qos1_is_delivered_then_acked(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    feed_publish("in/1", "payload-1", 1, 7, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fc.delivered, 1);
    assert_string_equal(fc.last_topic, "in/1");
    assert_string_equal(fc.last_payload, "payload-1");
    assert_int_equal(fc.last_qos, 1);
    moat_mqtt_packet ack = sent_packet(0);
    assert_int_equal(ack.header.type, MOAT_MQTT_PUBACK);
    assert_int_equal(ack.u.packet_id, 7);
}

static void test_incoming_qos0_is_delivered_without_ack(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    feed_publish("in/0", "zero", 0, 0, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fc.delivered, 1);
    assert_int_equal(fnet.out_len, 0);
}

static void test_incoming_qos2_duplicate_is_delivered_once(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    feed_publish("in/2", "exactly-once", 2, 9, false);
    feed_publish("in/2", "exactly-once", 2, 9, true); /* broker resends: PUBREC was lost */
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fc.delivered, 1);
    assert_int_equal(sent_packet(0).header.type, MOAT_MQTT_PUBREC);
    assert_int_equal(sent_packet(1).header.type, MOAT_MQTT_PUBREC);
    feed_ack(MOAT_MQTT_PUBREL, 9);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    moat_mqtt_packet comp = sent_packet(2);
    assert_int_equal(comp.header.type, MOAT_MQTT_PUBCOMP);
    assert_int_equal(comp.u.packet_id, 9);
    /* the id is released: a new message with the same id is a new message */
    feed_publish("in/2", "second", 2, 9, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fc.delivered, 2);
    assert_string_equal(fc.last_payload, "second");
}

/* A broker that frees its window slot at PUBREC (mosquitto) may have more messages awaiting
 * PUBREL than we have records: the oldest id goes, the newest stay protected. */
static void test_incoming_qos2_beyond_records_drops_the_oldest_id(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    for (uint16_t id = 1; id <= 5; id++) /* 4 records */
        feed_publish("t", "x", 2, id, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fc.delivered, 5);
    assert_int_equal(fc.c.incoming_evicted, 1);
    feed_publish("t", "x", 2, 2, true); /* still remembered: not delivered again */
    feed_publish("t", "x", 2, 5, true);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fc.delivered, 5);
    assert_int_equal(sent_count(), 7); /* a PUBREC for each PUBLISH */
}

static void test_incoming_qos2_without_any_record_is_incoming_full(void **state)
{
    (void)state;
    fc.c.buf.incoming_count = 0;
    connect_ok(&fc, 0, true, false);
    feed_publish("t", "x", 2, 1, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10),
                     MOAT_MQTT_CLIENT_ERR_INCOMING_FULL);
    assert_int_equal(fc.delivered, 0);
}

static void test_subscribe_returns_each_filter_code_including_0x80(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    /* The broker's SUBACK (id 1: the first id the client gives) and a message before it. */
    feed_publish("early", "msg", 0, 0, false);
    uint8_t codes_in[3] = {1, 0x80, 2};
    uint8_t b[16];
    size_t n = 0;
    assert_int_equal(moat_mqtt_encode_suback(b, sizeof b, 1, codes_in, 3, &n), MOAT_MQTT_OK);
    feed_raw(b, n);
    moat_mqtt_sub_entry f[3] = {
        {{(const uint8_t *)"a/#", 3}, 1},
        {{(const uint8_t *)"$SYS/x", 6}, 0},
        {{(const uint8_t *)"c/+/d", 5}, 2},
    };
    uint8_t codes[3] = {0};
    assert_int_equal(moat_mqtt_client_subscribe(&fc.c, f, 3, codes, 1000), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(codes[0], 1);
    assert_int_equal(codes[1], MOAT_MQTT_SUBACK_FAILURE);
    assert_int_equal(codes[2], 2);
    assert_int_equal(fc.delivered, 1);
    moat_mqtt_packet s = sent_packet(0);
    assert_int_equal(s.header.type, MOAT_MQTT_SUBSCRIBE);
    assert_int_equal(s.u.subscribe.count, 3);
    assert_int_equal(s.u.subscribe.packet_id, 1);
}

static void test_subscribe_without_suback_times_out(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    moat_mqtt_sub_entry f = {{(const uint8_t *)"t", 1}, 0};
    uint8_t code;
    uint32_t start = fake_now;
    assert_int_equal(moat_mqtt_client_subscribe(&fc.c, &f, 1, &code, 300),
                     MOAT_MQTT_CLIENT_ERR_ACK_TIMEOUT);
    assert_true(fake_now - start <= 300);
}

static void test_suback_with_wrong_code_count_is_protocol_error(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    uint8_t codes_in[1] = {0};
    uint8_t b[16];
    size_t n = 0;
    assert_int_equal(moat_mqtt_encode_suback(b, sizeof b, 1, codes_in, 1, &n), MOAT_MQTT_OK);
    feed_raw(b, n);
    moat_mqtt_sub_entry f[2] = {{{(const uint8_t *)"a", 1}, 0}, {{(const uint8_t *)"b", 1}, 0}};
    uint8_t codes[2];
    assert_int_equal(moat_mqtt_client_subscribe(&fc.c, f, 2, codes, 1000),
                     MOAT_MQTT_CLIENT_ERR_PROTOCOL);
}

static void test_unsubscribe_waits_for_unsuback(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    feed_ack(MOAT_MQTT_UNSUBACK, 1);
    moat_mqtt_sub_entry f[2] = {{{(const uint8_t *)"a", 1}, 0}, {{(const uint8_t *)"b/#", 3}, 0}};
    assert_int_equal(moat_mqtt_client_unsubscribe(&fc.c, f, 2, 1000), MOAT_MQTT_CLIENT_OK);
    moat_mqtt_packet u = sent_packet(0);
    assert_int_equal(u.header.type, MOAT_MQTT_UNSUBSCRIBE);
    assert_int_equal(u.u.subscribe.count, 2);
}

/* Publishes QoS 1 "m1", QoS 2 "m2" (then PUBREC'd), QoS 1 "m3", and drops the connection. */
static void three_in_flight(uint16_t ids[3])
{
    connect_ok(&fc, 0, false, false);
    const char *payloads[3] = {"m1", "m2", "m3"};
    const uint8_t qos[3] = {1, 2, 1};
    for (int i = 0; i < 3; i++) {
        moat_mqtt_publish m = make_msg("s", payloads[i], qos[i]);
        assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &ids[i]), MOAT_MQTT_CLIENT_OK);
    }
    feed_ack(MOAT_MQTT_PUBREC, ids[1]);
    fnet.in_end = MOAT_TRANSPORT_CLOSED;
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10),
                     MOAT_MQTT_CLIENT_ERR_CONNECTION_CLOSED);
    assert_false(fc.c.connected);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 3);
}

static void reconnect_with_session(bool present)
{
    fnet.in_end = 0;
    fnet.out_len = 0;
    feed_connack(present, 0);
    moat_mqtt_connect info = basic_connect("dev1", 0, false);
    bool sp;
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 1000, &sp), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(sp, present);
}

static void test_resumed_session_resends_publish_with_dup_and_pubrel_in_order(void **state)
{
    (void)state;
    uint16_t ids[3];
    three_in_flight(ids);
    reconnect_with_session(true);
    assert_int_equal(fc.c.resent_on_connect, 3);
    assert_int_equal(sent_count(), 4); /* CONNECT + 3 */
    moat_mqtt_packet p1 = sent_packet(1), rel = sent_packet(2), p3 = sent_packet(3);
    assert_int_equal(p1.header.type, MOAT_MQTT_PUBLISH);
    assert_true(p1.u.publish.dup);
    assert_int_equal(p1.u.publish.packet_id, ids[0]);
    assert_memory_equal(p1.u.publish.payload, "m1", 2);
    assert_int_equal(rel.header.type, MOAT_MQTT_PUBREL);
    assert_int_equal(rel.u.packet_id, ids[1]);
    assert_true(p3.u.publish.dup);
    assert_int_equal(p3.u.publish.packet_id, ids[2]);
    assert_memory_equal(p3.u.publish.payload, "m3", 2);
    /* and they complete normally */
    feed_ack(MOAT_MQTT_PUBACK, ids[0]);
    feed_ack(MOAT_MQTT_PUBCOMP, ids[1]);
    feed_ack(MOAT_MQTT_PUBACK, ids[2]);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 0);
}

/* A reconnect on a new connection: set_transport() keeps the in-flight state, and everything
 * after it (CONNECT, the resends) goes over the new transport, nothing over the old one. */
static void test_new_transport_carries_the_resumed_session(void **state)
{
    (void)state;
    uint16_t ids[3];
    three_in_flight(ids);
    static fake_net second;
    memset(&second, 0, sizeof second);
    second.recv_chunk = 64;
    second.send_chunk = 64;
    const uint8_t connack[] = {0x20, 0x02, 0x01, 0x00}; /* session present, accepted */
    memcpy(second.in, connack, sizeof connack);
    second.in_len = sizeof connack;
    moat_transport tr = {.ctx = &second, .send = fake_send, .recv = fake_recv};
    moat_mqtt_client_set_transport(&fc.c, &tr);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 3);
    size_t old_out = fnet.out_len;
    moat_mqtt_connect info = basic_connect("dev1", 0, false);
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 1000, NULL), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fnet.out_len, old_out);
    assert_int_equal(fc.c.resent_on_connect, 3);
    moat_mqtt_packet p;
    assert_int_equal(moat_mqtt_decode(second.out, second.out_len, 1u << 20, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_CONNECT);
    assert_true(second.out_len > p.header.packet_len); /* the resends followed */
}

static void test_no_session_on_broker_discards_inflight_and_says_how_many(void **state)
{
    (void)state;
    uint16_t ids[3];
    three_in_flight(ids);
    reconnect_with_session(false);
    assert_int_equal(fc.c.discarded_on_connect, 3);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 0);
    assert_int_equal(sent_count(), 1); /* only CONNECT */
}

static void test_unreleased_incoming_qos2_survives_a_resumed_session(void **state)
{
    (void)state;
    connect_ok(&fc, 0, false, false);
    feed_publish("in", "once", 2, 5, false);
    fnet.in_end = MOAT_TRANSPORT_CLOSED;
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10),
                     MOAT_MQTT_CLIENT_ERR_CONNECTION_CLOSED);
    reconnect_with_session(true);
    feed_publish("in", "once", 2, 5, true);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fc.delivered, 1);
}

static void test_inflight_full_until_an_ack_frees_a_record(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    moat_mqtt_publish m = make_msg("t", "x", 1);
    uint16_t first = 0, id;
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &first), MOAT_MQTT_CLIENT_OK);
    for (int i = 1; i < 4; i++)
        assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &id), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &id),
                     MOAT_MQTT_CLIENT_ERR_INFLIGHT_FULL);
    feed_ack(MOAT_MQTT_PUBACK, first);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &id), MOAT_MQTT_CLIENT_OK);
    assert_int_not_equal(id, first); /* MQTT-2.3.1-2: ids in use are not reused */
}

static void test_wait_inflight_returns_as_soon_as_acks_bring_it_down(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    uint16_t ids[3];
    for (int i = 0; i < 3; i++) {
        moat_mqtt_publish m = make_msg("w", "x", 1);
        assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &ids[i]), MOAT_MQTT_CLIENT_OK);
    }
    feed_ack(MOAT_MQTT_PUBACK, ids[0]);
    uint32_t t0 = fake_now;
    assert_int_equal(moat_mqtt_client_wait_inflight(&fc.c, 2, 5000), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fake_now, t0); /* no waiting once the goal is met */
    assert_int_equal(moat_mqtt_client_wait_inflight(&fc.c, 0, 500),
                     MOAT_MQTT_CLIENT_ERR_ACK_TIMEOUT);
    assert_int_equal(fake_now - t0, 500);
    feed_ack(MOAT_MQTT_PUBACK, ids[1]);
    feed_ack(MOAT_MQTT_PUBACK, ids[2]);
    assert_int_equal(moat_mqtt_client_wait_inflight(&fc.c, 0, 500), MOAT_MQTT_CLIENT_OK);
}

static void test_store_full_for_a_message_bigger_than_the_store(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    static char big[600];
    memset(big, 'b', sizeof big - 1);
    moat_mqtt_publish m = make_msg("t", big, 1);
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, NULL), MOAT_MQTT_CLIENT_ERR_STORE_FULL);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 0);
}

static void test_acking_a_middle_message_keeps_the_others_bytes_intact(void **state)
{
    (void)state;
    connect_ok(&fc, 0, false, false);
    uint16_t ids[3];
    const char *payloads[3] = {"first", "second", "third"};
    for (int i = 0; i < 3; i++) {
        moat_mqtt_publish m = make_msg("k", payloads[i], 1);
        assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, &ids[i]), MOAT_MQTT_CLIENT_OK);
    }
    feed_ack(MOAT_MQTT_PUBACK, ids[1]);
    fnet.in_end = MOAT_TRANSPORT_CLOSED;
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10),
                     MOAT_MQTT_CLIENT_ERR_CONNECTION_CLOSED);
    reconnect_with_session(true);
    assert_int_equal(sent_count(), 3);
    assert_memory_equal(sent_packet(1).u.publish.payload, "first", 5);
    assert_memory_equal(sent_packet(2).u.publish.payload, "third", 5);
}

static void test_stalled_send_times_out_and_drops_the_connection(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    fnet.send_chunk = 0;
    moat_mqtt_publish m = make_msg("t", "stuck", 0);
    uint32_t t0 = fake_now;
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, NULL), MOAT_MQTT_CLIENT_ERR_SEND_TIMEOUT);
    assert_int_equal(fake_now - t0, MOAT_MQTT_CLIENT_SEND_TIMEOUT_MS);
    assert_false(fc.c.connected);
}

static void test_packet_bigger_than_rx_buffer_is_rx_too_large(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    uint8_t hdr[] = {0x30, 0xE8, 0x07}; /* PUBLISH with 1000 bytes to follow; rx is 512 */
    feed_raw(hdr, sizeof hdr);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10),
                     MOAT_MQTT_CLIENT_ERR_RX_TOO_LARGE);
    assert_false(fc.c.connected);
}

static void test_packet_a_broker_must_not_send_is_protocol_error(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    feed_connack(false, 0);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_ERR_PROTOCOL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_publish_qos0_sends_one_publish_without_id, setup),
        cmocka_unit_test_setup(test_publish_qos0_larger_than_tx_sends_payload_separately, setup),
        cmocka_unit_test_setup(test_publish_rejects_wildcard_topic_with_codec_reason, setup),
        cmocka_unit_test_setup(test_publish_qos1_is_kept_until_puback, setup),
        cmocka_unit_test_setup(test_publish_qos2_completes_pubrec_pubrel_pubcomp, setup),
        cmocka_unit_test_setup(test_incoming_qos1_is_delivered_then_acked, setup),
        cmocka_unit_test_setup(test_incoming_qos0_is_delivered_without_ack, setup),
        cmocka_unit_test_setup(test_incoming_qos2_duplicate_is_delivered_once, setup),
        cmocka_unit_test_setup(test_incoming_qos2_beyond_records_drops_the_oldest_id, setup),
        cmocka_unit_test_setup(test_incoming_qos2_without_any_record_is_incoming_full, setup),
        cmocka_unit_test_setup(test_subscribe_returns_each_filter_code_including_0x80, setup),
        cmocka_unit_test_setup(test_subscribe_without_suback_times_out, setup),
        cmocka_unit_test_setup(test_suback_with_wrong_code_count_is_protocol_error, setup),
        cmocka_unit_test_setup(test_unsubscribe_waits_for_unsuback, setup),
        cmocka_unit_test_setup(test_resumed_session_resends_publish_with_dup_and_pubrel_in_order,
                               setup),
        cmocka_unit_test_setup(test_new_transport_carries_the_resumed_session, setup),
        cmocka_unit_test_setup(test_no_session_on_broker_discards_inflight_and_says_how_many,
                               setup),
        cmocka_unit_test_setup(test_unreleased_incoming_qos2_survives_a_resumed_session, setup),
        cmocka_unit_test_setup(test_inflight_full_until_an_ack_frees_a_record, setup),
        cmocka_unit_test_setup(test_wait_inflight_returns_as_soon_as_acks_bring_it_down, setup),
        cmocka_unit_test_setup(test_store_full_for_a_message_bigger_than_the_store, setup),
        cmocka_unit_test_setup(test_acking_a_middle_message_keeps_the_others_bytes_intact, setup),
        cmocka_unit_test_setup(test_stalled_send_times_out_and_drops_the_connection, setup),
        cmocka_unit_test_setup(test_packet_bigger_than_rx_buffer_is_rx_too_large, setup),
        cmocka_unit_test_setup(test_packet_a_broker_must_not_send_is_protocol_error, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
