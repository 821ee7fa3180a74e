/* test_mqtt_codec.c - the MQTT 3.1.1 codec against hand-written byte vectors for all 14 packet
 * types (both directions), round trips, and one test per kind of malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/mqtt_codec.h"

#define V(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})
#define S(lit) ((moat_mqtt_str){(const uint8_t *)(lit), (uint16_t)(sizeof(lit) - 1)})
#define MAXP 4096u

/* ---- Known vectors, written out by hand from the MQTT 3.1.1 spec ---- */

/* CONNECT, client id "dev1", keep alive 60, clean session, nothing else. */
static const uint8_t connect_min[] = {0x10, 0x10, 0x00, 0x04, 'M',  'Q', 'T', 'T', 0x04,
                                      0x02, 0x00, 0x3C, 0x00, 0x04, 'd', 'e', 'v', '1'};
/* CONNECT with everything: client "c", will "w/t"="bye" QoS 1 retained, user "u", password
 * 00 FF, keep alive 0x1234, clean session. Flags 0xEE = user|pass|will retain|will qos 1|will|
 * clean. Remaining length 10 + 3 + 5 + 5 + 3 + 4 = 30. */
static const uint8_t connect_full[] = {
    0x10, 0x1E, 0x00, 0x04, 'M',  'Q',  'T', 'T', 0x04, 0xEE, 0x12, 0x34, 0x00, 0x01, 'c',  0x00,
    0x03, 'w',  '/',  't',  0x00, 0x03, 'b', 'y', 'e',  0x00, 0x01, 'u',  0x00, 0x02, 0x00, 0xFF};
static const uint8_t connack_sp[] = {0x20, 0x02, 0x01, 0x00};
static const uint8_t connack_refused[] = {0x20, 0x02, 0x00, 0x05};
static const uint8_t publish_q0[] = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'};
/* QoS 1, DUP, RETAIN, packet id 10: first byte 0x30 | 0x08 | 0x02 | 0x01. */
static const uint8_t publish_q1[] = {0x3B, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i'};
static const uint8_t publish_q2_empty[] = {0x34, 0x05, 0x00, 0x01, 't', 0xFF, 0xFE};
static const uint8_t puback[] = {0x40, 0x02, 0x00, 0x0A};
static const uint8_t pubrec[] = {0x50, 0x02, 0x00, 0x0A};
static const uint8_t pubrel[] = {0x62, 0x02, 0x00, 0x0A};
static const uint8_t pubcomp[] = {0x70, 0x02, 0x00, 0x0A};
/* SUBSCRIBE id 1: "a/+" QoS 1, "#" QoS 0. Remaining 2 + 6 + 4 = 12. */
static const uint8_t subscribe[] = {0x82, 0x0C, 0x00, 0x01, 0x00, 0x03, 'a',
                                    '/',  '+',  0x01, 0x00, 0x01, '#',  0x00};
static const uint8_t suback[] = {0x90, 0x04, 0x00, 0x01, 0x01, 0x80};
/* UNSUBSCRIBE id 2: "a/+", "#". Remaining 2 + 5 + 3 = 10. */
static const uint8_t unsubscribe[] = {0xA2, 0x0A, 0x00, 0x02, 0x00, 0x03,
                                      'a',  '/',  '+',  0x00, 0x01, '#'};
static const uint8_t unsuback[] = {0xB0, 0x02, 0x00, 0x02};
static const uint8_t pingreq[] = {0xC0, 0x00};
static const uint8_t pingresp[] = {0xD0, 0x00};
static const uint8_t disconnect[] = {0xE0, 0x00};

typedef struct {
    const uint8_t *bytes;
    size_t len;
} vec;

#define VEC(a)                                                                                     \
    {                                                                                              \
        a, sizeof a                                                                                \
    }
static const vec all_valid[] = {
    VEC(connect_min), VEC(connect_full),     VEC(connack_sp), VEC(connack_refused), VEC(publish_q0),
    VEC(publish_q1),  VEC(publish_q2_empty), VEC(puback),     VEC(pubrec),          VEC(pubrel),
    VEC(pubcomp),     VEC(subscribe),        VEC(suback),     VEC(unsubscribe),     VEC(unsuback),
    VEC(pingreq),     VEC(pingresp),         VEC(disconnect),
};

/* Decodes from an exact-size heap copy, so ASan flags any read past the end. The copy is
 * kept until the next call (decoded views point into it). */
static uint8_t *g_copy;

static moat_mqtt_status decode_exact(const uint8_t *b, size_t n, size_t max, moat_mqtt_packet *p)
{
    free(g_copy);
    g_copy = malloc(n ? n : 1);
    assert_non_null(g_copy);
    if (n)
        memcpy(g_copy, b, n);
    return moat_mqtt_decode(g_copy, n, max, p);
}

static int teardown(void **state)
{
    (void)state;
    free(g_copy);
    g_copy = NULL;
    return 0;
}

static moat_mqtt_status dec(const uint8_t *b, size_t n)
{
    moat_mqtt_packet p;
    return decode_exact(b, n, MAXP, &p);
}

static void assert_str(moat_mqtt_str s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.data, want, s.len);
}

/* ---- Decode direction, one test per packet type ---- */

static void test_decode_connect_minimal(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(connect_min, sizeof connect_min, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_CONNECT);
    assert_int_equal(p.header.packet_len, sizeof connect_min);
    assert_int_equal(p.header.header_len, 2);
    assert_str(p.u.connect.client_id, "dev1");
    assert_int_equal(p.u.connect.keep_alive_s, 60);
    assert_true(p.u.connect.clean_session);
    assert_false(p.u.connect.has_will);
    assert_false(p.u.connect.has_username);
    assert_false(p.u.connect.has_password);
}

static void test_decode_connect_with_will_username_password(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(connect_full, sizeof connect_full, MAXP, &p), MOAT_MQTT_OK);
    const moat_mqtt_connect *c = &p.u.connect;
    assert_str(c->client_id, "c");
    assert_int_equal(c->keep_alive_s, 0x1234);
    assert_true(c->clean_session);
    assert_true(c->has_will);
    assert_str(c->will_topic, "w/t");
    assert_str(c->will_payload, "bye");
    assert_int_equal(c->will_qos, 1);
    assert_true(c->will_retain);
    assert_true(c->has_username);
    assert_str(c->username, "u");
    assert_true(c->has_password);
    assert_int_equal(c->password.len, 2);
    assert_memory_equal(c->password.data, "\x00\xFF", 2);
}

static void test_decode_connack_session_present_and_refusal(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(connack_sp, sizeof connack_sp, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_CONNACK);
    assert_true(p.u.connack.session_present);
    assert_int_equal(p.u.connack.return_code, MOAT_MQTT_CONNACK_ACCEPTED);
    assert_int_equal(decode_exact(connack_refused, sizeof connack_refused, MAXP, &p), MOAT_MQTT_OK);
    assert_false(p.u.connack.session_present);
    assert_int_equal(p.u.connack.return_code, MOAT_MQTT_CONNACK_NOT_AUTHORIZED);
}

static void test_decode_publish_qos0(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(publish_q0, sizeof publish_q0, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_PUBLISH);
    assert_str(p.u.publish.topic, "a/b");
    assert_int_equal(p.u.publish.qos, 0);
    assert_int_equal(p.u.publish.packet_id, 0);
    assert_false(p.u.publish.dup);
    assert_false(p.u.publish.retain);
    assert_int_equal(p.u.publish.payload_len, 2);
    assert_memory_equal(p.u.publish.payload, "hi", 2);
}

static void test_decode_publish_qos1_dup_retain_with_packet_id(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(publish_q1, sizeof publish_q1, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.u.publish.qos, 1);
    assert_true(p.u.publish.dup);
    assert_true(p.u.publish.retain);
    assert_int_equal(p.u.publish.packet_id, 10);
    assert_int_equal(p.u.publish.payload_len, 2);
    assert_memory_equal(p.u.publish.payload, "hi", 2);
}

static void test_decode_publish_qos2_with_empty_payload(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(publish_q2_empty, sizeof publish_q2_empty, MAXP, &p),
                     MOAT_MQTT_OK);
    assert_int_equal(p.u.publish.qos, 2);
    assert_int_equal(p.u.publish.packet_id, 0xFFFE);
    assert_int_equal(p.u.publish.payload_len, 0);
}

static void test_decode_publish_with_two_byte_remaining_length(void **state)
{
    uint8_t b[3 + 3 + 200];
    b[0] = 0x30;
    b[1] = 0xCB; /* 203 = 0x4B | 0x80, then 0x01 */
    b[2] = 0x01;
    b[3] = 0x00;
    b[4] = 0x01;
    b[5] = 't';
    memset(b + 6, 'x', 200);
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(b, sizeof b, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.header_len, 3);
    assert_int_equal(p.header.remaining_length, 203);
    assert_int_equal(p.u.publish.payload_len, 200);
}

static void test_decode_acks_carry_their_packet_id(void **state)
{
    const vec acks[] = {VEC(puback), VEC(pubrec), VEC(pubrel), VEC(pubcomp)};
    const moat_mqtt_type types[] = {MOAT_MQTT_PUBACK, MOAT_MQTT_PUBREC, MOAT_MQTT_PUBREL,
                                    MOAT_MQTT_PUBCOMP};
    for (size_t i = 0; i < 4; i++) {
        moat_mqtt_packet p;
        assert_int_equal(decode_exact(acks[i].bytes, acks[i].len, MAXP, &p), MOAT_MQTT_OK);
        assert_int_equal(p.header.type, types[i]);
        assert_int_equal(p.u.packet_id, 10);
    }
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(unsuback, sizeof unsuback, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_UNSUBACK);
    assert_int_equal(p.u.packet_id, 2);
}

static void test_decode_subscribe_walks_filters_and_qos(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(subscribe, sizeof subscribe, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_SUBSCRIBE);
    assert_int_equal(p.u.subscribe.packet_id, 1);
    assert_int_equal(p.u.subscribe.count, 2);
    size_t cur = 0;
    moat_mqtt_sub_entry e;
    assert_true(moat_mqtt_sub_next(&p.u.subscribe, true, &cur, &e));
    assert_str(e.filter, "a/+");
    assert_int_equal(e.qos, 1);
    assert_true(moat_mqtt_sub_next(&p.u.subscribe, true, &cur, &e));
    assert_str(e.filter, "#");
    assert_int_equal(e.qos, 0);
    assert_false(moat_mqtt_sub_next(&p.u.subscribe, true, &cur, &e));
}

static void test_decode_suback_codes(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(suback, sizeof suback, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_SUBACK);
    assert_int_equal(p.u.suback.packet_id, 1);
    assert_int_equal(p.u.suback.count, 2);
    assert_int_equal(p.u.suback.codes[0], 1);
    assert_int_equal(p.u.suback.codes[1], MOAT_MQTT_SUBACK_FAILURE);
}

static void test_decode_unsubscribe_walks_filters(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(unsubscribe, sizeof unsubscribe, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_UNSUBSCRIBE);
    assert_int_equal(p.u.subscribe.packet_id, 2);
    assert_int_equal(p.u.subscribe.count, 2);
    size_t cur = 0;
    moat_mqtt_sub_entry e;
    assert_true(moat_mqtt_sub_next(&p.u.subscribe, false, &cur, &e));
    assert_str(e.filter, "a/+");
    assert_true(moat_mqtt_sub_next(&p.u.subscribe, false, &cur, &e));
    assert_str(e.filter, "#");
    assert_false(moat_mqtt_sub_next(&p.u.subscribe, false, &cur, &e));
}

static void test_decode_ping_and_disconnect(void **state)
{
    const vec v[] = {VEC(pingreq), VEC(pingresp), VEC(disconnect)};
    const moat_mqtt_type t[] = {MOAT_MQTT_PINGREQ, MOAT_MQTT_PINGRESP, MOAT_MQTT_DISCONNECT};
    for (size_t i = 0; i < 3; i++) {
        moat_mqtt_packet p;
        assert_int_equal(decode_exact(v[i].bytes, v[i].len, MAXP, &p), MOAT_MQTT_OK);
        assert_int_equal(p.header.type, t[i]);
        assert_int_equal(p.header.packet_len, 2);
    }
}

static void test_decode_consumes_one_packet_of_a_stream(void **state)
{
    uint8_t two[sizeof puback + sizeof pingreq];
    memcpy(two, puback, sizeof puback);
    memcpy(two + sizeof puback, pingreq, sizeof pingreq);
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(two, sizeof two, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_PUBACK);
    assert_int_equal(p.header.packet_len, sizeof puback);
    assert_int_equal(moat_mqtt_decode(two + 4, sizeof two - 4, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.header.type, MOAT_MQTT_PINGREQ);
}

static void test_decode_accepts_non_minimal_remaining_length(void **state)
{
    /* MQTT 3.1.1 does not require the shortest encoding: 0x82 0x80 0x00 is 2 bytes long. */
    assert_int_equal(dec(V(0x40, 0x82, 0x00, 0x00, 0x01)), MOAT_MQTT_OK);
}

/* ---- Encode direction, one test per packet type ---- */

/* len is a pointer: it is read after the encoder (evaluated as an argument) has set it. */
static void assert_encoded(moat_mqtt_status st, const uint8_t *buf, const size_t *len,
                           const uint8_t *want, size_t want_len)
{
    assert_int_equal(st, MOAT_MQTT_OK);
    assert_int_equal(*len, want_len);
    assert_memory_equal(buf, want, want_len);
}

static void test_encode_connect_minimal(void **state)
{
    moat_mqtt_connect c = {.client_id = S("dev1"), .keep_alive_s = 60, .clean_session = true};
    uint8_t b[64];
    size_t n = 0;
    assert_encoded(moat_mqtt_encode_connect(b, sizeof b, &c, &n), b, &n, connect_min,
                   sizeof connect_min);
}

static void test_encode_connect_with_will_username_password(void **state)
{
    moat_mqtt_connect c = {.client_id = S("c"),
                           .keep_alive_s = 0x1234,
                           .clean_session = true,
                           .has_will = true,
                           .will_topic = S("w/t"),
                           .will_payload = S("bye"),
                           .will_qos = 1,
                           .will_retain = true,
                           .has_username = true,
                           .username = S("u"),
                           .has_password = true,
                           .password = {(const uint8_t *)"\x00\xFF", 2}};
    uint8_t b[64];
    size_t n = 0;
    assert_encoded(moat_mqtt_encode_connect(b, sizeof b, &c, &n), b, &n, connect_full,
                   sizeof connect_full);
}

static void test_encode_connect_ignores_will_fields_without_will_flag(void **state)
{
    moat_mqtt_connect c = {.client_id = S("dev1"),
                           .keep_alive_s = 60,
                           .clean_session = true,
                           .will_qos = 2,
                           .will_retain = true};
    uint8_t b[64];
    size_t n = 0;
    assert_encoded(moat_mqtt_encode_connect(b, sizeof b, &c, &n), b, &n, connect_min,
                   sizeof connect_min);
}

static void test_encode_connack(void **state)
{
    uint8_t b[8];
    size_t n = 0;
    moat_mqtt_connack a = {.session_present = true, .return_code = 0};
    assert_encoded(moat_mqtt_encode_connack(b, sizeof b, &a, &n), b, &n, connack_sp,
                   sizeof connack_sp);
    moat_mqtt_connack r = {.return_code = MOAT_MQTT_CONNACK_NOT_AUTHORIZED};
    assert_encoded(moat_mqtt_encode_connack(b, sizeof b, &r, &n), b, &n, connack_refused,
                   sizeof connack_refused);
}

static void test_encode_publish_qos0_qos1_qos2(void **state)
{
    uint8_t b[64];
    size_t n = 0;
    moat_mqtt_publish q0 = {.topic = S("a/b"), .payload = (const uint8_t *)"hi", .payload_len = 2};
    assert_encoded(moat_mqtt_encode_publish(b, sizeof b, &q0, &n), b, &n, publish_q0,
                   sizeof publish_q0);
    moat_mqtt_publish q1 = q0;
    q1.qos = 1;
    q1.dup = true;
    q1.retain = true;
    q1.packet_id = 10;
    assert_encoded(moat_mqtt_encode_publish(b, sizeof b, &q1, &n), b, &n, publish_q1,
                   sizeof publish_q1);
    moat_mqtt_publish q2 = {.topic = S("t"), .qos = 2, .packet_id = 0xFFFE};
    assert_encoded(moat_mqtt_encode_publish(b, sizeof b, &q2, &n), b, &n, publish_q2_empty,
                   sizeof publish_q2_empty);
}

static void test_encode_publish_header_leaves_payload_to_caller(void **state)
{
    uint8_t b[64];
    size_t n = 0;
    moat_mqtt_publish q1 = {.topic = S("a/b"),
                            .payload = (const uint8_t *)"hi",
                            .payload_len = 2,
                            .qos = 1,
                            .dup = true,
                            .retain = true,
                            .packet_id = 10};
    assert_int_equal(moat_mqtt_encode_publish_header(b, sizeof b, &q1, &n), MOAT_MQTT_OK);
    assert_int_equal(n, sizeof publish_q1 - 2);
    assert_memory_equal(b, publish_q1, n);
    assert_int_equal(moat_mqtt_publish_size(&q1), sizeof publish_q1);
}

static void test_encode_publish_header_of_large_payload_uses_long_varint(void **state)
{
    uint8_t b[16];
    size_t n = 0;
    static const uint8_t big[70000];
    moat_mqtt_publish p = {.topic = S("t"), .payload = big, .payload_len = sizeof big};
    /* remaining 70003 = 0x11173: varint F3 A2 04 */
    assert_int_equal(moat_mqtt_encode_publish_header(b, sizeof b, &p, &n), MOAT_MQTT_OK);
    const uint8_t want[] = {0x30, 0xF3, 0xA2, 0x04, 0x00, 0x01, 't'};
    assert_int_equal(n, sizeof want);
    assert_memory_equal(b, want, sizeof want);
    assert_int_equal(moat_mqtt_publish_size(&p), sizeof want + sizeof big);
}

static void test_encode_acks_set_pubrel_flags(void **state)
{
    uint8_t b[8];
    size_t n = 0;
    assert_encoded(moat_mqtt_encode_ack(b, sizeof b, MOAT_MQTT_PUBACK, 10, &n), b, &n, puback, 4);
    assert_encoded(moat_mqtt_encode_ack(b, sizeof b, MOAT_MQTT_PUBREC, 10, &n), b, &n, pubrec, 4);
    assert_encoded(moat_mqtt_encode_ack(b, sizeof b, MOAT_MQTT_PUBREL, 10, &n), b, &n, pubrel, 4);
    assert_encoded(moat_mqtt_encode_ack(b, sizeof b, MOAT_MQTT_PUBCOMP, 10, &n), b, &n, pubcomp, 4);
    assert_encoded(moat_mqtt_encode_ack(b, sizeof b, MOAT_MQTT_UNSUBACK, 2, &n), b, &n, unsuback,
                   4);
}

static const moat_mqtt_sub_entry two_entries[] = {{S("a/+"), 1}, {S("#"), 0}};

static void test_encode_subscribe(void **state)
{
    uint8_t b[64];
    size_t n = 0;
    assert_encoded(moat_mqtt_encode_subscribe(b, sizeof b, 1, two_entries, 2, &n), b, &n, subscribe,
                   sizeof subscribe);
}

static void test_encode_suback(void **state)
{
    uint8_t b[16];
    size_t n = 0;
    const uint8_t codes[] = {1, 0x80};
    assert_encoded(moat_mqtt_encode_suback(b, sizeof b, 1, codes, 2, &n), b, &n, suback,
                   sizeof suback);
}

static void test_encode_unsubscribe(void **state)
{
    uint8_t b[64];
    size_t n = 0;
    assert_encoded(moat_mqtt_encode_unsubscribe(b, sizeof b, 2, two_entries, 2, &n), b, &n,
                   unsubscribe, sizeof unsubscribe);
}

static void test_encode_ping_and_disconnect(void **state)
{
    uint8_t b[2];
    size_t n = 0;
    assert_encoded(moat_mqtt_encode_empty(b, sizeof b, MOAT_MQTT_PINGREQ, &n), b, &n, pingreq, 2);
    assert_encoded(moat_mqtt_encode_empty(b, sizeof b, MOAT_MQTT_PINGRESP, &n), b, &n, pingresp, 2);
    assert_encoded(moat_mqtt_encode_empty(b, sizeof b, MOAT_MQTT_DISCONNECT, &n), b, &n, disconnect,
                   2);
}

static void test_encode_varint_boundaries(void **state)
{
    const struct {
        uint32_t v;
        size_t n;
        uint8_t b[4];
    } t[] = {
        {0, 1, {0x00}},
        {127, 1, {0x7F}},
        {128, 2, {0x80, 0x01}},
        {16383, 2, {0xFF, 0x7F}},
        {16384, 3, {0x80, 0x80, 0x01}},
        {2097151, 3, {0xFF, 0xFF, 0x7F}},
        {2097152, 4, {0x80, 0x80, 0x80, 0x01}},
        {268435455, 4, {0xFF, 0xFF, 0xFF, 0x7F}},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t out[4];
        assert_int_equal(moat_mqtt_encode_varint(t[i].v, out), t[i].n);
        assert_memory_equal(out, t[i].b, t[i].n);
    }
}

static void test_encode_varint_rejects_value_above_4_bytes(void **state)
{
    uint8_t out[4];
    assert_int_equal(moat_mqtt_encode_varint(268435456u, out), 0);
}

/* ---- Encoder refusals ---- */

static void test_encode_reports_needed_size_for_every_short_buffer(void **state)
{
    uint8_t b[sizeof connect_full];
    moat_mqtt_connect c = {.client_id = S("c"),
                           .keep_alive_s = 0x1234,
                           .clean_session = true,
                           .has_will = true,
                           .will_topic = S("w/t"),
                           .will_payload = S("bye"),
                           .will_qos = 1,
                           .will_retain = true,
                           .has_username = true,
                           .username = S("u"),
                           .has_password = true,
                           .password = {(const uint8_t *)"\x00\xFF", 2}};
    for (size_t cap = 0; cap < sizeof connect_full; cap++) {
        size_t n = 0;
        assert_int_equal(moat_mqtt_encode_connect(cap ? b : NULL, cap, &c, &n),
                         MOAT_MQTT_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(n, sizeof connect_full);
    }
    uint8_t s[sizeof subscribe];
    for (size_t cap = 0; cap < sizeof subscribe; cap++) {
        size_t n = 0;
        assert_int_equal(moat_mqtt_encode_subscribe(s, cap, 1, two_entries, 2, &n),
                         MOAT_MQTT_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(n, sizeof subscribe);
    }
    uint8_t one;
    size_t n = 0;
    assert_int_equal(moat_mqtt_encode_empty(&one, 1, MOAT_MQTT_PINGREQ, &n),
                     MOAT_MQTT_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(moat_mqtt_encode_ack(&one, 1, MOAT_MQTT_PUBACK, 1, &n),
                     MOAT_MQTT_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, 4);
}

static void test_encode_publish_reports_needed_size_when_short(void **state)
{
    uint8_t b[sizeof publish_q1];
    moat_mqtt_publish q1 = {.topic = S("a/b"),
                            .payload = (const uint8_t *)"hi",
                            .payload_len = 2,
                            .qos = 1,
                            .packet_id = 10};
    for (size_t cap = 0; cap < sizeof publish_q1; cap++) {
        size_t n = 0;
        assert_int_equal(moat_mqtt_encode_publish(b, cap, &q1, &n), MOAT_MQTT_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(n, sizeof publish_q1);
    }
}

static void test_encode_publish_rejects_invalid_fields(void **state)
{
    uint8_t b[64];
    size_t n;
    moat_mqtt_publish p = {.topic = S("a/+"), .qos = 0};
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_ERR_BAD_TOPIC);
    p.topic = S("");
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_ERR_BAD_TOPIC);
    p.topic = S("a\xC0\x80");
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_ERR_BAD_UTF8);
    p.topic = S("a");
    p.qos = 3;
    p.packet_id = 1;
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_ERR_BAD_QOS);
    p.qos = 1;
    p.packet_id = 0;
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_ERR_BAD_PACKET_ID);
    p.qos = 0;
    p.dup = true;
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_ERR_BAD_FLAGS);
    p.dup = false;
    p.payload_len = 3; /* with a NULL payload */
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, &n), MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_publish_size(&p), 0);
}

static void test_encode_publish_rejects_payload_beyond_remaining_length_limit(void **state)
{
    uint8_t b[16];
    size_t n;
    /* The payload pointer is never read: the size check comes first. */
    moat_mqtt_publish p = {
        .topic = S("t"), .payload = b, .payload_len = MOAT_MQTT_MAX_REMAINING_LENGTH};
    assert_int_equal(moat_mqtt_encode_publish_header(b, sizeof b, &p, &n), MOAT_MQTT_ERR_TOO_LARGE);
    assert_int_equal(moat_mqtt_publish_size(&p), 0);
}

static void test_encode_connect_rejects_password_without_username(void **state)
{
    uint8_t b[64];
    size_t n;
    moat_mqtt_connect c = {.client_id = S("x"), .has_password = true, .password = S("p")};
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof b, &c, &n),
                     MOAT_MQTT_ERR_BAD_CONNECT_FLAGS);
}

static void test_encode_connect_rejects_bad_will_and_client_id(void **state)
{
    uint8_t b[64];
    size_t n;
    moat_mqtt_connect c = {.client_id = S("x"), .has_will = true, .will_topic = S("a/#")};
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof b, &c, &n), MOAT_MQTT_ERR_BAD_TOPIC);
    c.will_topic = S("a");
    c.will_qos = 3;
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof b, &c, &n), MOAT_MQTT_ERR_BAD_QOS);
    c.will_qos = 0;
    c.client_id = S("\xED\xA0\x80");
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof b, &c, &n), MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_encode_subscribe_rejects_bad_entries(void **state)
{
    uint8_t b[64];
    size_t n;
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof b, 1, two_entries, 0, &n),
                     MOAT_MQTT_ERR_NO_TOPICS);
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof b, 0, two_entries, 2, &n),
                     MOAT_MQTT_ERR_BAD_PACKET_ID);
    const moat_mqtt_sub_entry q3[] = {{S("a"), 3}};
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof b, 1, q3, 1, &n), MOAT_MQTT_ERR_BAD_QOS);
    const moat_mqtt_sub_entry bad[] = {{S("a/#/b"), 0}};
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof b, 1, bad, 1, &n),
                     MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(moat_mqtt_encode_unsubscribe(b, sizeof b, 1, bad, 1, &n),
                     MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(moat_mqtt_encode_unsubscribe(b, sizeof b, 1, NULL, 0, &n),
                     MOAT_MQTT_ERR_NO_TOPICS);
}

static void test_encode_suback_and_connack_reject_unknown_codes(void **state)
{
    uint8_t b[16];
    size_t n;
    const uint8_t codes[] = {0, 3};
    assert_int_equal(moat_mqtt_encode_suback(b, sizeof b, 1, codes, 2, &n),
                     MOAT_MQTT_ERR_BAD_SUBACK_CODE);
    assert_int_equal(moat_mqtt_encode_suback(b, sizeof b, 1, codes, 0, &n),
                     MOAT_MQTT_ERR_NO_TOPICS);
    moat_mqtt_connack c = {.return_code = 6};
    assert_int_equal(moat_mqtt_encode_connack(b, sizeof b, &c, &n), MOAT_MQTT_ERR_BAD_CONNACK);
    moat_mqtt_connack sp = {.session_present = true, .return_code = 1};
    assert_int_equal(moat_mqtt_encode_connack(b, sizeof b, &sp, &n), MOAT_MQTT_ERR_BAD_CONNACK);
}

static void test_encode_rejects_wrong_type_and_zero_packet_id(void **state)
{
    uint8_t b[8];
    size_t n;
    assert_int_equal(moat_mqtt_encode_ack(b, sizeof b, MOAT_MQTT_CONNECT, 1, &n),
                     MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_ack(b, sizeof b, MOAT_MQTT_PUBACK, 0, &n),
                     MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(moat_mqtt_encode_empty(b, sizeof b, MOAT_MQTT_PUBACK, &n),
                     MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_empty(b, sizeof b, MOAT_MQTT_PINGREQ, NULL),
                     MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof b, NULL, &n), MOAT_MQTT_ERR_ARGUMENT);
}

/* ---- Round trips ---- */

static void test_round_trip_connect_preserves_every_field(void **state)
{
    moat_mqtt_connect c = {.client_id = S("thing-\xC3\xA9"),
                           .keep_alive_s = 1200,
                           .has_will = true,
                           .will_topic = S("dev/\xE2\x82\xAC/lwt"),
                           .will_payload = S("gone"),
                           .will_qos = 2,
                           .has_username = true,
                           .username = S("user")};
    uint8_t b[128];
    size_t n = 0;
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof b, &c, &n), MOAT_MQTT_OK);
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(b, n, MAXP, &p), MOAT_MQTT_OK);
    const moat_mqtt_connect *d = &p.u.connect;
    assert_str(d->client_id, "thing-\xC3\xA9");
    assert_int_equal(d->keep_alive_s, 1200);
    assert_false(d->clean_session);
    assert_true(d->has_will);
    assert_str(d->will_topic, "dev/\xE2\x82\xAC/lwt");
    assert_str(d->will_payload, "gone");
    assert_int_equal(d->will_qos, 2);
    assert_false(d->will_retain);
    assert_true(d->has_username);
    assert_str(d->username, "user");
    assert_false(d->has_password);
}

static void test_round_trip_publish_of_every_size_class(void **state)
{
    static uint8_t payload[20000], out[20100];
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7u);
    const size_t sizes[] = {0, 1, 120, 121, 122, 16375, 16376, 20000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        moat_mqtt_publish p = {.topic = S("sensors/t1"),
                               .payload = payload,
                               .payload_len = sizes[i],
                               .qos = 1,
                               .packet_id = 77};
        size_t n = 0;
        assert_int_equal(moat_mqtt_encode_publish(out, sizeof out, &p, &n), MOAT_MQTT_OK);
        assert_int_equal(n, moat_mqtt_publish_size(&p));
        moat_mqtt_packet d;
        assert_int_equal(decode_exact(out, n, sizeof out, &d), MOAT_MQTT_OK);
        assert_int_equal(d.header.packet_len, n);
        assert_str(d.u.publish.topic, "sensors/t1");
        assert_int_equal(d.u.publish.packet_id, 77);
        assert_int_equal(d.u.publish.payload_len, sizes[i]);
        if (sizes[i])
            assert_memory_equal(d.u.publish.payload, payload, sizes[i]);
    }
}

static void test_round_trip_subscribe_with_many_filters(void **state)
{
    moat_mqtt_sub_entry e[] = {{S("$aws/things/dev1/shadow/update/accepted"), 1},
                               {S("+"), 0},
                               {S("a//b"), 2},
                               {S("/"), 1}};
    uint8_t b[256];
    size_t n = 0;
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof b, 0xABCD, e, 4, &n), MOAT_MQTT_OK);
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(b, n, MAXP, &p), MOAT_MQTT_OK);
    assert_int_equal(p.u.subscribe.packet_id, 0xABCD);
    assert_int_equal(p.u.subscribe.count, 4);
    size_t cur = 0;
    for (size_t i = 0; i < 4; i++) {
        moat_mqtt_sub_entry got;
        assert_true(moat_mqtt_sub_next(&p.u.subscribe, true, &cur, &got));
        assert_int_equal(got.filter.len, e[i].filter.len);
        assert_memory_equal(got.filter.data, e[i].filter.data, got.filter.len);
        assert_int_equal(got.qos, e[i].qos);
    }
}

/* ---- Streaming: a partial packet is NEED_MORE, never an error ---- */

static void test_decode_needs_more_at_every_prefix_of_every_valid_packet(void **state)
{
    for (size_t v = 0; v < sizeof all_valid / sizeof all_valid[0]; v++) {
        moat_mqtt_packet p;
        assert_int_equal(decode_exact(all_valid[v].bytes, all_valid[v].len, MAXP, &p),
                         MOAT_MQTT_OK);
        for (size_t n = 0; n < all_valid[v].len; n++) {
            moat_mqtt_status st = decode_exact(all_valid[v].bytes, n, MAXP, &p);
            if (st != MOAT_MQTT_NEED_MORE)
                fail_msg("vector %zu prefix %zu: %s", v, n, moat_mqtt_strerror(st));
        }
    }
}

static void test_peek_header_reports_packet_length_before_the_body(void **state)
{
    moat_mqtt_header h;
    assert_int_equal(moat_mqtt_peek_header(V(0x30, 0xCB, 0x01), MAXP, &h), MOAT_MQTT_OK);
    assert_int_equal(h.type, MOAT_MQTT_PUBLISH);
    assert_int_equal(h.remaining_length, 203);
    assert_int_equal(h.header_len, 3);
    assert_int_equal(h.packet_len, 206);
    assert_int_equal(moat_mqtt_peek_header(V(0x30, 0xCB), MAXP, &h), MOAT_MQTT_NEED_MORE);
    assert_int_equal(moat_mqtt_peek_header(NULL, 0, MAXP, &h), MOAT_MQTT_NEED_MORE);
}

static void test_peek_header_does_not_check_flags(void **state)
{
    moat_mqtt_header h;
    assert_int_equal(moat_mqtt_peek_header(V(0x4F, 0x02), MAXP, &h), MOAT_MQTT_OK);
    assert_int_equal(h.flags, 0x0F);
}

/* ---- Malformed input: each its own status ---- */

static void test_decode_rejects_reserved_types_0_and_15(void **state)
{
    assert_int_equal(dec(V(0x00, 0x00)), MOAT_MQTT_ERR_BAD_TYPE);
    assert_int_equal(dec(V(0xF0, 0x00)), MOAT_MQTT_ERR_BAD_TYPE);
    assert_int_equal(dec(V(0xF0)), MOAT_MQTT_ERR_BAD_TYPE); /* known from the first byte */
}

static void test_decode_rejects_five_byte_remaining_length(void **state)
{
    assert_int_equal(dec(V(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01)),
                     MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
    /* Known as soon as the 4th length byte has its continuation bit set. */
    assert_int_equal(dec(V(0x30, 0x80, 0x80, 0x80, 0x80)), MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
}

static void test_decode_rejects_remaining_length_above_max_packet_before_body(void **state)
{
    moat_mqtt_packet p;
    /* 16383 bytes announced, 3 present: refused at once, with the header filled in. */
    assert_int_equal(decode_exact(V(0x30, 0xFF, 0x7F), 1000, &p), MOAT_MQTT_ERR_TOO_LARGE);
    assert_int_equal(p.header.packet_len, 16386);
    /* exactly max_packet is fine */
    assert_int_equal(decode_exact(V(0x30, 0x05, 0x00, 0x01, 't', 'x', 'y'), 7, &p), MOAT_MQTT_OK);
    assert_int_equal(decode_exact(V(0x30, 0x05, 0x00, 0x01, 't', 'x', 'y'), 6, &p),
                     MOAT_MQTT_ERR_TOO_LARGE);
}

static void test_decode_max_packet_zero_means_default(void **state)
{
    moat_mqtt_header h;
    uint8_t out[4];
    uint8_t b[5] = {0x30};
    size_t vn = moat_mqtt_encode_varint(MOAT_MQTT_MAX_PACKET_DEFAULT, out);
    memcpy(b + 1, out, vn);
    assert_int_equal(moat_mqtt_peek_header(b, 1 + vn, 0, &h), MOAT_MQTT_ERR_TOO_LARGE);
    vn = moat_mqtt_encode_varint(MOAT_MQTT_MAX_PACKET_DEFAULT - 4, out);
    memcpy(b + 1, out, vn);
    assert_int_equal(moat_mqtt_peek_header(b, 1 + vn, 0, &h), MOAT_MQTT_OK);
}

static void test_decode_rejects_wrong_flags_for_every_type(void **state)
{
    /* For each type other than PUBLISH, every flag value but the required one is refused. */
    for (unsigned type = 1; type <= 14; type++) {
        if (type == MOAT_MQTT_PUBLISH)
            continue;
        unsigned want = (type == 6 || type == 8 || type == 10) ? 2u : 0u;
        for (unsigned f = 0; f < 16; f++) {
            if (f == want)
                continue;
            uint8_t b[2] = {(uint8_t)(type << 4 | f), 0x00};
            moat_mqtt_status st = dec(b, 2);
            if (st != MOAT_MQTT_ERR_BAD_FLAGS)
                fail_msg("type %u flags %u: %s", type, f, moat_mqtt_strerror(st));
        }
    }
}

static void test_decode_rejects_publish_qos3(void **state)
{
    assert_int_equal(dec(V(0x36, 0x05, 0x00, 0x01, 't', 0x00, 0x01)), MOAT_MQTT_ERR_BAD_FLAGS);
}

static void test_decode_rejects_publish_dup_with_qos0(void **state)
{
    assert_int_equal(dec(V(0x38, 0x03, 0x00, 0x01, 't')), MOAT_MQTT_ERR_BAD_FLAGS);
}

static void test_decode_rejects_wrong_remaining_length_of_fixed_size_packets(void **state)
{
    assert_int_equal(dec(V(0xC0, 0x01, 0x00)), MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
    assert_int_equal(dec(V(0xE0, 0x02, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
    assert_int_equal(dec(V(0x40, 0x03, 0x00, 0x01, 0x00)), MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
    assert_int_equal(dec(V(0x40, 0x01, 0x01)), MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
    assert_int_equal(dec(V(0x20, 0x03, 0x00, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
    assert_int_equal(dec(V(0xB0, 0x00)), MOAT_MQTT_ERR_BAD_REMAINING_LENGTH);
}

static void test_decode_reports_truncated_field_at_every_cut_of_connect(void **state)
{
    /* Shrink the remaining length to m and drop the rest: every field of this CONNECT is
     * required by its flags, so every cut leaves a field running past the end. */
    uint8_t b[sizeof connect_full];
    for (size_t m = 0; m < sizeof connect_full - 2; m++) {
        memcpy(b, connect_full, 2 + m);
        b[1] = (uint8_t)m;
        moat_mqtt_status st = dec(b, 2 + m);
        if (st != MOAT_MQTT_ERR_TRUNCATED)
            fail_msg("cut at %zu: %s", m, moat_mqtt_strerror(st));
    }
}

static void test_decode_reports_truncated_or_no_topics_at_every_cut_of_subscribe(void **state)
{
    uint8_t b[sizeof subscribe];
    for (size_t m = 0; m < sizeof subscribe - 2; m++) {
        memcpy(b, subscribe, 2 + m);
        b[1] = (uint8_t)m;
        moat_mqtt_status want = m == 2   ? MOAT_MQTT_ERR_NO_TOPICS
                                : m == 8 ? MOAT_MQTT_OK /* the first entry alone */
                                         : MOAT_MQTT_ERR_TRUNCATED;
        moat_mqtt_status st = dec(b, 2 + m);
        if (st != want)
            fail_msg("cut at %zu: %s", m, moat_mqtt_strerror(st));
    }
}

static void test_decode_rejects_publish_topic_longer_than_packet(void **state)
{
    assert_int_equal(dec(V(0x30, 0x04, 0x00, 0x05, 'a', 'b')), MOAT_MQTT_ERR_TRUNCATED);
    assert_int_equal(dec(V(0x32, 0x04, 0x00, 0x01, 't', 0x00)), MOAT_MQTT_ERR_TRUNCATED);
}

static void test_decode_rejects_trailing_bytes_after_connect(void **state)
{
    uint8_t b[sizeof connect_min + 1];
    memcpy(b, connect_min, sizeof connect_min);
    b[1]++;
    b[sizeof connect_min] = 0x00;
    assert_int_equal(dec(b, sizeof b), MOAT_MQTT_ERR_TRAILING_BYTES);
}

static void test_decode_rejects_bad_protocol_name(void **state)
{
    /* MQTT 3.1 names itself "MQIsdp" with level 3. */
    assert_int_equal(dec(V(0x10, 0x0E, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00,
                           0x3C, 0x00, 0x00)),
                     MOAT_MQTT_ERR_BAD_PROTOCOL_NAME);
    assert_int_equal(
        dec(V(0x10, 0x0C, 0x00, 0x04, 'm', 'q', 't', 't', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00)),
        MOAT_MQTT_ERR_BAD_PROTOCOL_NAME);
}

static void test_decode_rejects_protocol_level_other_than_4(void **state)
{
    assert_int_equal(
        dec(V(0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x03, 0x02, 0x00, 0x3C, 0x00, 0x00)),
        MOAT_MQTT_ERR_BAD_PROTOCOL_LEVEL);
    assert_int_equal(
        dec(V(0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00)),
        MOAT_MQTT_ERR_BAD_PROTOCOL_LEVEL);
}

/* A CONNECT with the given flags byte and an empty client id (nothing else). */
static moat_mqtt_status dec_connect_flags(uint8_t flags)
{
    const uint8_t b[] = {0x10, 0x0C, 0x00,  0x04, 'M',  'Q',  'T',
                         'T',  0x04, flags, 0x00, 0x3C, 0x00, 0x00};
    return dec(b, sizeof b);
}

static void test_decode_rejects_connect_reserved_flag(void **state)
{
    assert_int_equal(dec_connect_flags(0x03), MOAT_MQTT_ERR_BAD_CONNECT_FLAGS);
    assert_int_equal(dec_connect_flags(0x02), MOAT_MQTT_OK);
}

static void test_decode_rejects_will_qos_or_retain_without_will_flag(void **state)
{
    assert_int_equal(dec_connect_flags(0x0A), MOAT_MQTT_ERR_BAD_CONNECT_FLAGS);
    assert_int_equal(dec_connect_flags(0x12), MOAT_MQTT_ERR_BAD_CONNECT_FLAGS);
    assert_int_equal(dec_connect_flags(0x22), MOAT_MQTT_ERR_BAD_CONNECT_FLAGS);
}

static void test_decode_rejects_will_qos3(void **state)
{
    assert_int_equal(dec_connect_flags(0x1E), MOAT_MQTT_ERR_BAD_QOS);
}

static void test_decode_rejects_password_without_username(void **state)
{
    assert_int_equal(dec_connect_flags(0x42), MOAT_MQTT_ERR_BAD_CONNECT_FLAGS);
}

static void test_decode_rejects_connect_fields_missing_for_flags(void **state)
{
    /* username flag set but no username bytes */
    assert_int_equal(dec_connect_flags(0x82), MOAT_MQTT_ERR_TRUNCATED);
}

static void test_decode_rejects_client_id_with_bad_utf8(void **state)
{
    assert_int_equal(dec(V(0x10, 0x0F, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00,
                           0x03, 0xED, 0xA0, 0x80)),
                     MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_decode_rejects_will_topic_with_wildcard(void **state)
{
    assert_int_equal(dec(V(0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x06, 0x00, 0x3C, 0x00,
                           0x00, 0x00, 0x01, '#', 0x00, 0x00)),
                     MOAT_MQTT_ERR_BAD_TOPIC);
}

static void test_decode_rejects_username_with_nul(void **state)
{
    assert_int_equal(dec(V(0x10, 0x0F, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x82, 0x00, 0x3C, 0x00,
                           0x00, 0x00, 0x01, 0x00)),
                     MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_decode_rejects_publish_topic_with_bad_utf8(void **state)
{
    assert_int_equal(dec(V(0x30, 0x04, 0x00, 0x02, 'a', 0x00)), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(dec(V(0x30, 0x04, 0x00, 0x02, 0xC0, 0xAF)), MOAT_MQTT_ERR_BAD_UTF8);
    assert_int_equal(dec(V(0x30, 0x04, 0x00, 0x02, 'a', 0xE2)), MOAT_MQTT_ERR_BAD_UTF8);
}

static void test_decode_rejects_publish_topic_with_wildcards_or_empty(void **state)
{
    assert_int_equal(dec(V(0x30, 0x05, 0x00, 0x03, 'a', '/', '+')), MOAT_MQTT_ERR_BAD_TOPIC);
    assert_int_equal(dec(V(0x30, 0x03, 0x00, 0x01, '#')), MOAT_MQTT_ERR_BAD_TOPIC);
    assert_int_equal(dec(V(0x30, 0x02, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_TOPIC);
}

static void test_decode_rejects_subscribe_filter_wildcard_misuse(void **state)
{
    assert_int_equal(dec(V(0x82, 0x0A, 0x00, 0x01, 0x00, 0x05, 'a', '/', '#', '/', 'b', 0x00)),
                     MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(dec(V(0x82, 0x07, 0x00, 0x01, 0x00, 0x02, 'a', '+', 0x00)),
                     MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(dec(V(0x82, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_FILTER);
    assert_int_equal(dec(V(0xA2, 0x06, 0x00, 0x01, 0x00, 0x02, 'b', '#')),
                     MOAT_MQTT_ERR_BAD_FILTER);
}

static void test_decode_rejects_subscribe_qos3_and_reserved_qos_bits(void **state)
{
    assert_int_equal(dec(V(0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x03)), MOAT_MQTT_ERR_BAD_QOS);
    assert_int_equal(dec(V(0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x41)), MOAT_MQTT_ERR_BAD_QOS);
    assert_int_equal(dec(V(0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x04)), MOAT_MQTT_ERR_BAD_QOS);
}

static void test_decode_rejects_subscribe_entry_without_qos_byte(void **state)
{
    assert_int_equal(dec(V(0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 'a')), MOAT_MQTT_ERR_TRUNCATED);
}

static void test_decode_rejects_empty_subscribe_unsubscribe_and_suback(void **state)
{
    assert_int_equal(dec(V(0x82, 0x02, 0x00, 0x01)), MOAT_MQTT_ERR_NO_TOPICS);
    assert_int_equal(dec(V(0xA2, 0x02, 0x00, 0x01)), MOAT_MQTT_ERR_NO_TOPICS);
    assert_int_equal(dec(V(0x90, 0x02, 0x00, 0x01)), MOAT_MQTT_ERR_NO_TOPICS);
}

static void test_decode_rejects_packet_id_zero(void **state)
{
    assert_int_equal(dec(V(0x40, 0x02, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(dec(V(0x62, 0x02, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(dec(V(0xB0, 0x02, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(dec(V(0x32, 0x05, 0x00, 0x01, 't', 0x00, 0x00)), MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(dec(V(0x82, 0x06, 0x00, 0x00, 0x00, 0x01, 'a', 0x00)),
                     MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(dec(V(0xA2, 0x05, 0x00, 0x00, 0x00, 0x01, 'a')), MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(dec(V(0x90, 0x03, 0x00, 0x00, 0x00)), MOAT_MQTT_ERR_BAD_PACKET_ID);
}

static void test_decode_rejects_connack_reserved_bits_and_unknown_code(void **state)
{
    assert_int_equal(dec(V(0x20, 0x02, 0x02, 0x00)), MOAT_MQTT_ERR_BAD_CONNACK);
    assert_int_equal(dec(V(0x20, 0x02, 0x80, 0x00)), MOAT_MQTT_ERR_BAD_CONNACK);
    assert_int_equal(dec(V(0x20, 0x02, 0x00, 0x06)), MOAT_MQTT_ERR_BAD_CONNACK);
}

static void test_decode_rejects_connack_session_present_with_refusal(void **state)
{
    assert_int_equal(dec(V(0x20, 0x02, 0x01, 0x05)), MOAT_MQTT_ERR_BAD_CONNACK);
}

static void test_decode_rejects_unknown_suback_code(void **state)
{
    assert_int_equal(dec(V(0x90, 0x03, 0x00, 0x01, 0x03)), MOAT_MQTT_ERR_BAD_SUBACK_CODE);
    assert_int_equal(dec(V(0x90, 0x04, 0x00, 0x01, 0x00, 0x81)), MOAT_MQTT_ERR_BAD_SUBACK_CODE);
}

static void test_decode_rejects_more_than_65535_subscribe_entries(void **state)
{
    size_t count = 65536, rem = 2 + count * 4;
    size_t len = 1 + 3 + rem;
    uint8_t *b = malloc(len);
    assert_non_null(b);
    uint8_t v[4];
    b[0] = 0x82;
    assert_int_equal(moat_mqtt_encode_varint((uint32_t)rem, v), 3);
    memcpy(b + 1, v, 3);
    b[4] = 0x00;
    b[5] = 0x01;
    for (size_t i = 0; i < count; i++)
        memcpy(b + 6 + 4 * i,
               "\x00\x01"
               "a\x00",
               4);
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(b, len, len, &p), MOAT_MQTT_ERR_TOO_LARGE);
    /* one fewer entry is fine */
    rem -= 4;
    moat_mqtt_encode_varint((uint32_t)rem, v);
    memcpy(b + 1, v, 3);
    assert_int_equal(decode_exact(b, len - 4, len, &p), MOAT_MQTT_OK);
    assert_int_equal(p.u.subscribe.count, 65535);
    free(b);
}

static void test_decode_rejects_suback_with_more_than_65535_codes(void **state)
{
    size_t rem = 2 + 65536, len = 1 + 3 + rem;
    uint8_t *b = malloc(len);
    assert_non_null(b);
    uint8_t v[4];
    b[0] = 0x90;
    assert_int_equal(moat_mqtt_encode_varint((uint32_t)rem, v), 3);
    memcpy(b + 1, v, 3);
    b[4] = 0x00;
    b[5] = 0x01;
    memset(b + 6, 0x00, 65536);
    moat_mqtt_packet p;
    assert_int_equal(decode_exact(b, len, len, &p), MOAT_MQTT_ERR_TOO_LARGE);
    free(b);
}

static void test_encode_rejects_null_arguments(void **state)
{
    uint8_t b[64];
    size_t n;
    const moat_mqtt_sub_entry null_filter[] = {{{NULL, 3}, 0}};
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof b, 1, null_filter, 1, &n),
                     MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_subscribe(b, sizeof b, 1, NULL, 2, &n),
                     MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_suback(b, sizeof b, 1, NULL, 2, &n), MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_suback(b, sizeof b, 0, (const uint8_t *)"\0", 1, &n),
                     MOAT_MQTT_ERR_BAD_PACKET_ID);
    assert_int_equal(moat_mqtt_encode_connack(b, sizeof b, NULL, &n), MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, NULL, &n), MOAT_MQTT_ERR_ARGUMENT);
    moat_mqtt_publish p = {.topic = S("t")};
    assert_int_equal(moat_mqtt_encode_publish(b, sizeof b, &p, NULL), MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_publish(NULL, 8, &p, &n), MOAT_MQTT_ERR_ARGUMENT);
    moat_mqtt_connect c = {.client_id = {NULL, 2}};
    assert_int_equal(moat_mqtt_encode_connect(b, sizeof b, &c, &n), MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_encode_varint(5, NULL), 0);
}

static void test_decode_rejects_null_arguments(void **state)
{
    moat_mqtt_packet p;
    assert_int_equal(moat_mqtt_decode(NULL, 4, MAXP, &p), MOAT_MQTT_ERR_ARGUMENT);
    assert_int_equal(moat_mqtt_decode(puback, sizeof puback, MAXP, NULL), MOAT_MQTT_ERR_ARGUMENT);
    moat_mqtt_sub_entry e;
    size_t cur = 0;
    assert_false(moat_mqtt_sub_next(NULL, true, &cur, &e));
}

/* ---- Names ---- */

static void test_strerror_names_every_status_distinctly(void **state)
{
    const char *seen[MOAT_MQTT_ERR_STRING_TOO_LONG + 1];
    for (int s = 0; s <= MOAT_MQTT_ERR_STRING_TOO_LONG; s++) {
        seen[s] = moat_mqtt_strerror((moat_mqtt_status)s);
        assert_non_null(seen[s]);
        assert_true(strlen(seen[s]) > 1);
        for (int k = 0; k < s; k++)
            assert_string_not_equal(seen[k], seen[s]);
    }
    assert_non_null(strstr(moat_mqtt_strerror(MOAT_MQTT_ERR_BAD_UTF8), "UTF-8"));
    assert_string_equal(moat_mqtt_strerror((moat_mqtt_status)999), "unknown MQTT codec status");
}

static void test_type_and_connack_names(void **state)
{
    assert_string_equal(moat_mqtt_type_name(MOAT_MQTT_CONNECT), "CONNECT");
    assert_string_equal(moat_mqtt_type_name(MOAT_MQTT_DISCONNECT), "DISCONNECT");
    assert_string_equal(moat_mqtt_type_name(0), "reserved");
    assert_string_equal(moat_mqtt_type_name(15), "reserved");
    assert_string_equal(moat_mqtt_type_name(200), "reserved");
    assert_string_equal(moat_mqtt_connack_name(5), "not authorized (5)");
    assert_string_equal(moat_mqtt_connack_name(0), "accepted (0)");
    assert_string_equal(moat_mqtt_connack_name(6), "unknown");
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_decode_connect_minimal),
        T(test_decode_connect_with_will_username_password),
        T(test_decode_connack_session_present_and_refusal),
        T(test_decode_publish_qos0),
        T(test_decode_publish_qos1_dup_retain_with_packet_id),
        T(test_decode_publish_qos2_with_empty_payload),
        T(test_decode_publish_with_two_byte_remaining_length),
        T(test_decode_acks_carry_their_packet_id),
        T(test_decode_subscribe_walks_filters_and_qos),
        T(test_decode_suback_codes),
        T(test_decode_unsubscribe_walks_filters),
        T(test_decode_ping_and_disconnect),
        T(test_decode_consumes_one_packet_of_a_stream),
        T(test_decode_accepts_non_minimal_remaining_length),
        T(test_encode_connect_minimal),
        T(test_encode_connect_with_will_username_password),
        T(test_encode_connect_ignores_will_fields_without_will_flag),
        T(test_encode_connack),
        T(test_encode_publish_qos0_qos1_qos2),
        T(test_encode_publish_header_leaves_payload_to_caller),
        T(test_encode_publish_header_of_large_payload_uses_long_varint),
        T(test_encode_acks_set_pubrel_flags),
        T(test_encode_subscribe),
        T(test_encode_suback),
        T(test_encode_unsubscribe),
        T(test_encode_ping_and_disconnect),
        T(test_encode_varint_boundaries),
        T(test_encode_varint_rejects_value_above_4_bytes),
        T(test_encode_reports_needed_size_for_every_short_buffer),
        T(test_encode_publish_reports_needed_size_when_short),
        T(test_encode_publish_rejects_invalid_fields),
        T(test_encode_publish_rejects_payload_beyond_remaining_length_limit),
        T(test_encode_connect_rejects_password_without_username),
        T(test_encode_connect_rejects_bad_will_and_client_id),
        T(test_encode_subscribe_rejects_bad_entries),
        T(test_encode_suback_and_connack_reject_unknown_codes),
        T(test_encode_rejects_wrong_type_and_zero_packet_id),
        T(test_round_trip_connect_preserves_every_field),
        T(test_round_trip_publish_of_every_size_class),
        T(test_round_trip_subscribe_with_many_filters),
        T(test_decode_needs_more_at_every_prefix_of_every_valid_packet),
        T(test_peek_header_reports_packet_length_before_the_body),
        T(test_peek_header_does_not_check_flags),
        T(test_decode_rejects_reserved_types_0_and_15),
        T(test_decode_rejects_five_byte_remaining_length),
        T(test_decode_rejects_remaining_length_above_max_packet_before_body),
        T(test_decode_max_packet_zero_means_default),
        T(test_decode_rejects_wrong_flags_for_every_type),
        T(test_decode_rejects_publish_qos3),
        T(test_decode_rejects_publish_dup_with_qos0),
        T(test_decode_rejects_wrong_remaining_length_of_fixed_size_packets),
        T(test_decode_reports_truncated_field_at_every_cut_of_connect),
        T(test_decode_reports_truncated_or_no_topics_at_every_cut_of_subscribe),
        T(test_decode_rejects_publish_topic_longer_than_packet),
        T(test_decode_rejects_trailing_bytes_after_connect),
        T(test_decode_rejects_bad_protocol_name),
        T(test_decode_rejects_protocol_level_other_than_4),
        T(test_decode_rejects_connect_reserved_flag),
        T(test_decode_rejects_will_qos_or_retain_without_will_flag),
        T(test_decode_rejects_will_qos3),
        T(test_decode_rejects_password_without_username),
        T(test_decode_rejects_connect_fields_missing_for_flags),
        T(test_decode_rejects_client_id_with_bad_utf8),
        T(test_decode_rejects_will_topic_with_wildcard),
        T(test_decode_rejects_username_with_nul),
        T(test_decode_rejects_publish_topic_with_bad_utf8),
        T(test_decode_rejects_publish_topic_with_wildcards_or_empty),
        T(test_decode_rejects_subscribe_filter_wildcard_misuse),
        T(test_decode_rejects_subscribe_qos3_and_reserved_qos_bits),
        T(test_decode_rejects_subscribe_entry_without_qos_byte),
        T(test_decode_rejects_empty_subscribe_unsubscribe_and_suback),
        T(test_decode_rejects_packet_id_zero),
        T(test_decode_rejects_connack_reserved_bits_and_unknown_code),
        T(test_decode_rejects_connack_session_present_with_refusal),
        T(test_decode_rejects_unknown_suback_code),
        T(test_decode_rejects_more_than_65535_subscribe_entries),
        T(test_decode_rejects_suback_with_more_than_65535_codes),
        T(test_encode_rejects_null_arguments),
        T(test_decode_rejects_null_arguments),
        T(test_strerror_names_every_status_distinctly),
        T(test_type_and_connack_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
