/* test_mqtt_client_keepalive.c - keep-alive timing (PINGREQ after an idle interval, dead
 * broker detection) and the process loop's time bound, on a fake clock. */
#include "test_mqtt_client_fake.h"

static fake_client fc;

static int setup(void **state)
{
    (void)state;
    fake_reset(&fc);
    return 0;
}

static size_t count_type(moat_mqtt_type type)
{
    size_t n = 0, total = sent_count();
    for (size_t i = 0; i < total; i++)
        if (sent_packet(i).header.type == type)
            n++;
    return n;
}

static void test_pingreq_goes_out_after_one_idle_keepalive_interval(void **state)
{
    (void)state;
    connect_ok(&fc, 2, true, false);
    uint32_t t0 = fake_now;
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 1999), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fnet.out_len, 0);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 5), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(count_type(MOAT_MQTT_PINGREQ), 1);
    assert_int_equal(fc.c.ping_sent_ms - t0, 2000);
}

static void test_pingresp_rearms_the_timer_for_the_next_interval(void **state)
{
    (void)state;
    connect_ok(&fc, 2, true, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 2000), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(count_type(MOAT_MQTT_PINGREQ), 1);
    feed_ack(MOAT_MQTT_PINGRESP, 0);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 1900), MOAT_MQTT_CLIENT_OK);
    assert_false(fc.c.ping_outstanding);
    assert_int_equal(count_type(MOAT_MQTT_PINGREQ), 1);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 200), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(count_type(MOAT_MQTT_PINGREQ), 2);
}

static void test_outgoing_traffic_postpones_the_pingreq(void **state)
{
    (void)state;
    connect_ok(&fc, 2, true, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 1500), MOAT_MQTT_CLIENT_OK);
    moat_mqtt_publish m = make_msg("t", "x", 0);
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, NULL), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 1999), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(count_type(MOAT_MQTT_PINGREQ), 0);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 1), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(count_type(MOAT_MQTT_PINGREQ), 1);
}

static void test_dead_broker_is_declared_when_pingresp_does_not_come(void **state)
{
    (void)state;
    connect_ok(&fc, 2, true, false);
    uint32_t t0 = fake_now;
    moat_mqtt_client_status st = moat_mqtt_client_process_loop(&fc.c, 60000);
    assert_int_equal(st, MOAT_MQTT_CLIENT_ERR_KEEPALIVE_TIMEOUT);
    /* PINGREQ at 2 s, then one keep-alive interval (capped by the ack timeout) for PINGRESP */
    assert_int_equal(fake_now - t0, 4000);
    assert_false(fc.c.connected);
    assert_non_null(strstr(moat_mqtt_client_explain(st), "dead"));
}

typedef struct {
    int n;
    char log[256];
} trace_log;

static void record(void *user, bool outgoing, uint8_t type, uint16_t id, bool dup)
{
    trace_log *t = user;
    size_t len = strlen(t->log);
    snprintf(t->log + len, sizeof t->log - len, "%s%s%s ", outgoing ? ">" : "<",
             moat_mqtt_type_name(type), dup ? "(dup)" : "");
    (void)id;
    t->n++;
}

static void test_trace_reports_each_packet_with_its_direction(void **state)
{
    (void)state;
    trace_log t = {0};
    moat_mqtt_client_set_trace(&fc.c, record, &t);
    connect_ok(&fc, 2, true, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 2000), MOAT_MQTT_CLIENT_OK);
    feed_ack(MOAT_MQTT_PINGRESP, 0);
    feed_publish("t", "x", 1, 3, true);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10), MOAT_MQTT_CLIENT_OK);
    assert_string_equal(t.log, ">CONNECT <CONNACK >PINGREQ <PINGRESP <PUBLISH(dup) >PUBACK ");
}

static void test_keepalive_zero_never_pings(void **state)
{
    (void)state;
    connect_ok(&fc, 0, true, false);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 100000), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fnet.out_len, 0);
}

static void test_process_loop_zero_timeout_does_not_wait(void **state)
{
    (void)state;
    connect_ok(&fc, 60, true, false);
    fnet.max_recv_timeout = 0;
    uint32_t t0 = fake_now;
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 0), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(fake_now, t0);
    assert_int_equal(fnet.max_recv_timeout, 0);
}

/* Messages trickle in a byte every 7 ms while keep-alive pings fall due: whatever happens,
 * a call returns within its budget and never asks the transport to wait beyond it. */
static void test_process_loop_never_exceeds_its_timeout(void **state)
{
    (void)state;
    connect_ok(&fc, 1, true, false);
    fnet.recv_delay_ms = 7;
    for (int i = 0; i < 20; i++)
        feed_publish("slow/topic", "trickling payload", 1, (uint16_t)(i + 1), false);
    static const uint32_t budgets[] = {0, 1, 3, 10, 50, 99, 250, 333, 1000};
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < sizeof budgets / sizeof budgets[0]; i++) {
            uint32_t t0 = fake_now;
            fnet.max_recv_timeout = 0;
            if (fc.c.ping_outstanding)
                feed_ack(MOAT_MQTT_PINGRESP, 0);
            assert_int_equal(moat_mqtt_client_process_loop(&fc.c, budgets[i]),
                             MOAT_MQTT_CLIENT_OK);
            assert_true(fake_now - t0 <= budgets[i]);
            assert_true(fnet.max_recv_timeout <= budgets[i]);
        }
    }
    assert_int_equal(fc.delivered, 20);
    assert_true(count_type(MOAT_MQTT_PINGREQ) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_pingreq_goes_out_after_one_idle_keepalive_interval, setup),
        cmocka_unit_test_setup(test_pingresp_rearms_the_timer_for_the_next_interval, setup),
        cmocka_unit_test_setup(test_outgoing_traffic_postpones_the_pingreq, setup),
        cmocka_unit_test_setup(test_dead_broker_is_declared_when_pingresp_does_not_come, setup),
        cmocka_unit_test_setup(test_trace_reports_each_packet_with_its_direction, setup),
        cmocka_unit_test_setup(test_keepalive_zero_never_pings, setup),
        cmocka_unit_test_setup(test_process_loop_zero_timeout_does_not_wait, setup),
        cmocka_unit_test_setup(test_process_loop_never_exceeds_its_timeout, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
