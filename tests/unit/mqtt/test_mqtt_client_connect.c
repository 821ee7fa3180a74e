/* test_mqtt_client_connect.c - the MQTT client's CONNECT/CONNACK handshake over a scripted
 * transport: byte-at-a-time I/O, every CONNACK code by name, and a broker that hangs up. */
#include "test_mqtt_client_fake.h"

static fake_client fc;

static int setup(void **state)
{
    (void)state;
    fake_reset(&fc);
    return 0;
}

static void test_connect_accepted_with_one_byte_reads_and_writes(void **state)
{
    (void)state;
    feed_connack(false, 0);
    moat_mqtt_connect info = basic_connect("sensor-42", 30, true);
    info.has_will = true;
    info.will_topic = (moat_mqtt_str){(const uint8_t *)"dead", 4};
    info.will_payload = (moat_mqtt_str){(const uint8_t *)"bye", 3};
    info.has_username = true;
    info.username = (moat_mqtt_str){(const uint8_t *)"u", 1};
    info.has_password = true;
    info.password = (moat_mqtt_str){(const uint8_t *)"p", 1};
    bool sp = true;
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 1000, &sp), MOAT_MQTT_CLIENT_OK);
    assert_false(sp);
    assert_int_equal(sent_count(), 1);
    moat_mqtt_packet p = sent_packet(0);
    assert_int_equal(p.header.type, MOAT_MQTT_CONNECT);
    assert_memory_equal(p.u.connect.client_id.data, "sensor-42", 9);
    assert_int_equal(p.u.connect.keep_alive_s, 30);
    assert_true(p.u.connect.clean_session);
    assert_true(p.u.connect.has_will);
    assert_memory_equal(p.u.connect.will_topic.data, "dead", 4);
    assert_true(p.u.connect.has_username && p.u.connect.has_password);
    assert_true(fc.c.connected);
}

static void test_connack_codes_are_reported_by_name(void **state)
{
    (void)state;
    static const struct {
        uint8_t code;
        moat_mqtt_client_status st;
        const char *words;
    } cases[] = {
        {1, MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_PROTOCOL_VERSION, "unacceptable protocol version"},
        {2, MOAT_MQTT_CLIENT_ERR_CONNACK_IDENTIFIER_REJECTED, "identifier rejected"},
        {3, MOAT_MQTT_CLIENT_ERR_CONNACK_SERVER_UNAVAILABLE, "server unavailable"},
        {4, MOAT_MQTT_CLIENT_ERR_CONNACK_BAD_USERNAME_OR_PASSWORD, "bad user name or password"},
        {5, MOAT_MQTT_CLIENT_ERR_CONNACK_NOT_AUTHORIZED, "not authorized"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_reset(&fc);
        feed_connack(false, cases[i].code);
        moat_mqtt_connect info = basic_connect("x", 0, true);
        moat_mqtt_client_status st = moat_mqtt_client_connect(&fc.c, &info, 1000, NULL);
        assert_int_equal(st, cases[i].st);
        assert_non_null(strstr(moat_mqtt_client_strerror(st), cases[i].words));
        assert_int_equal(fc.c.connack_code, cases[i].code);
        assert_false(fc.c.connected);
    }
}

static void test_closed_before_connack_says_so_with_the_aws_causes(void **state)
{
    (void)state;
    fnet.in_end = MOAT_TRANSPORT_CLOSED;
    moat_mqtt_connect info = basic_connect("thing1", 60, true);
    moat_mqtt_client_status st = moat_mqtt_client_connect(&fc.c, &info, 1000, NULL);
    assert_int_equal(st, MOAT_MQTT_CLIENT_ERR_CLOSED_BEFORE_CONNACK);
    const char *why = moat_mqtt_client_explain(st);
    assert_non_null(strstr(why, "the broker closed the connection before CONNACK"));
    assert_non_null(strstr(why, "certificate is not registered/active"));
    assert_non_null(strstr(why, "iot:Connect for this client ID"));
    assert_null(strstr(why, "receive failed"));
}

static void test_reset_before_connack_is_also_closed_before_connack(void **state)
{
    (void)state;
    fnet.in_end = MOAT_TRANSPORT_FAILED;
    moat_mqtt_connect info = basic_connect("thing1", 60, true);
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 1000, NULL),
                     MOAT_MQTT_CLIENT_ERR_CLOSED_BEFORE_CONNACK);
    assert_int_equal(fc.c.transport_result, MOAT_TRANSPORT_FAILED);
}

static void test_silent_broker_gives_connack_timeout_within_the_timeout(void **state)
{
    (void)state;
    moat_mqtt_connect info = basic_connect("x", 60, true);
    uint32_t start = fake_now;
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 700, NULL),
                     MOAT_MQTT_CLIENT_ERR_CONNACK_TIMEOUT);
    assert_int_equal(fake_now - start, 700);
}

static void test_first_packet_other_than_connack_is_a_protocol_error(void **state)
{
    (void)state;
    feed_ack(MOAT_MQTT_PINGRESP, 0);
    moat_mqtt_connect info = basic_connect("x", 60, true);
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 1000, NULL),
                     MOAT_MQTT_CLIENT_ERR_PROTOCOL);
}

static void test_garbage_instead_of_connack_is_malformed(void **state)
{
    (void)state;
    const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n";
    feed_raw(http, sizeof http - 1);
    moat_mqtt_connect info = basic_connect("x", 60, true);
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 1000, NULL),
                     MOAT_MQTT_CLIENT_ERR_MALFORMED);
    assert_int_not_equal(fc.c.codec_status, MOAT_MQTT_OK);
}

static void test_connect_send_failure_is_send_failed(void **state)
{
    (void)state;
    fnet.send_result = MOAT_TRANSPORT_FAILED;
    moat_mqtt_connect info = basic_connect("x", 60, true);
    assert_int_equal(moat_mqtt_client_connect(&fc.c, &info, 1000, NULL),
                     MOAT_MQTT_CLIENT_ERR_SEND_FAILED);
}

static void test_calls_before_connect_are_not_connected(void **state)
{
    (void)state;
    moat_mqtt_publish m = make_msg("t", "x", 0);
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, NULL),
                     MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED);
    assert_int_equal(moat_mqtt_client_process_loop(&fc.c, 10),
                     MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED);
    assert_int_equal(moat_mqtt_client_disconnect(&fc.c), MOAT_MQTT_CLIENT_ERR_NOT_CONNECTED);
}

static void test_init_rejects_missing_buffers(void **state)
{
    (void)state;
    moat_mqtt_client c;
    moat_mqtt_client_buffers b = {.rx = fc.rx, .rx_len = 8, .tx = fc.tx, .tx_len = 64};
    assert_int_equal(moat_mqtt_client_init(&c, &fc.tr, fake_now_ms, &b, NULL, NULL),
                     MOAT_MQTT_CLIENT_ERR_ARGUMENT);
    b.rx_len = 64;
    assert_int_equal(moat_mqtt_client_init(&c, &fc.tr, NULL, &b, NULL, NULL),
                     MOAT_MQTT_CLIENT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_client_init(&c, &fc.tr, fake_now_ms, &b, NULL, NULL),
                     MOAT_MQTT_CLIENT_OK);
}

static void test_every_status_has_a_name_and_an_explanation(void **state)
{
    (void)state;
    for (int s = 0; s < MOAT_MQTT_CLIENT_STATUS_COUNT_; s++) {
        assert_true(strlen(moat_mqtt_client_strerror((moat_mqtt_client_status)s)) > 1);
        assert_true(strlen(moat_mqtt_client_explain((moat_mqtt_client_status)s)) >=
                    strlen(moat_mqtt_client_strerror((moat_mqtt_client_status)s)));
    }
    assert_string_equal(moat_mqtt_client_strerror((moat_mqtt_client_status)999),
                        "unknown MQTT client status");
}

static void test_disconnect_sends_disconnect_and_keeps_inflight(void **state)
{
    (void)state;
    connect_ok(&fc, 0, false, false);
    moat_mqtt_publish m = make_msg("t", "keep", 1);
    assert_int_equal(moat_mqtt_client_publish(&fc.c, &m, NULL), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(moat_mqtt_client_disconnect(&fc.c), MOAT_MQTT_CLIENT_OK);
    assert_int_equal(sent_packet(1).header.type, MOAT_MQTT_DISCONNECT);
    assert_false(fc.c.connected);
    assert_int_equal(moat_mqtt_client_inflight(&fc.c), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_connect_accepted_with_one_byte_reads_and_writes, setup),
        cmocka_unit_test_setup(test_connack_codes_are_reported_by_name, setup),
        cmocka_unit_test_setup(test_closed_before_connack_says_so_with_the_aws_causes, setup),
        cmocka_unit_test_setup(test_reset_before_connack_is_also_closed_before_connack, setup),
        cmocka_unit_test_setup(test_silent_broker_gives_connack_timeout_within_the_timeout,
                               setup),
        cmocka_unit_test_setup(test_first_packet_other_than_connack_is_a_protocol_error, setup),
        cmocka_unit_test_setup(test_garbage_instead_of_connack_is_malformed, setup),
        cmocka_unit_test_setup(test_connect_send_failure_is_send_failed, setup),
        cmocka_unit_test_setup(test_calls_before_connect_are_not_connected, setup),
        cmocka_unit_test_setup(test_init_rejects_missing_buffers, setup),
        cmocka_unit_test_setup(test_every_status_has_a_name_and_an_explanation, setup),
        cmocka_unit_test_setup(test_disconnect_sends_disconnect_and_keeps_inflight, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
