/* test_mqtt_client_trace_ids.c - the packet ids the trace callback reports for incoming
 * packets: the packet's own id where it has one, 0 where it has none (found by fuzzing). */
#include "test_mqtt_client_fake.h"

static fake_client fc;

typedef struct {
    int n;
    uint8_t type[8];
    uint16_t id[8];
} id_log;

static void record_incoming(void *user, bool outgoing, uint8_t type, uint16_t id, bool dup)
{
    id_log *t = user;
    (void)dup;
    if (outgoing || t->n == 8)
        return;
    t->type[t->n] = type;
    t->id[t->n] = id;
    t->n++;
}

static int setup(void **state)
{
    (void)state;
    fake_reset(&fc);
    fnet.recv_chunk = 64;
    return 0;
}

/* A second CONNACK is a protocol error; its trace line must not show the session-present
 * byte as a packet id (the decoder's union holds CONNACK fields, not an id). */
static void test_trace_of_an_unexpected_connack_reports_packet_id_0(void **state)
{
    (void)state;
    id_log t = {0};
    moat_mqtt_client_set_trace(&fc.c, record_incoming, &t);
    connect_ok(&fc, 0, true, false);
    t.n = 0;
    feed_connack(true, 0);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_ERR_PROTOCOL);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.type[0], MOAT_MQTT_CONNACK);
    assert_int_equal(t.id[0], 0);
}

static void test_trace_reports_the_ids_of_acks_and_qos1_publish_and_0_for_qos0(void **state)
{
    (void)state;
    id_log t = {0};
    moat_mqtt_client_set_trace(&fc.c, record_incoming, &t);
    connect_ok(&fc, 0, true, false);
    t.n = 0;
    feed_publish("a", "x", 1, 0x1234, false);
    feed_publish("a", "y", 0, 0, false);
    feed_ack(MOAT_MQTT_PUBACK, 0x0101);
    feed_ack(MOAT_MQTT_PINGRESP, 0);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.id[0], 0x1234);
    assert_int_equal(t.id[1], 0);
    assert_int_equal(t.id[2], 0x0101);
    assert_int_equal(t.id[3], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_trace_of_an_unexpected_connack_reports_packet_id_0, setup),
        cmocka_unit_test_setup(test_trace_reports_the_ids_of_acks_and_qos1_publish_and_0_for_qos0,
                               setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
