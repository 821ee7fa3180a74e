/* fuzz_mqtt_decode.c - libFuzzer target for the MQTT codec: decodes any bytes under several
 * size limits; every packet that decodes is re-encoded and must decode to the same fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/mqtt_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_mqtt_decode: check failed at line %d: %s\n", __LINE__, #cond);   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const uint8_t *g_lo, *g_hi; /* the input buffer being decoded */

static void check_view(const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    CHECK(p >= g_lo && p + n <= g_hi);
}

static int str_eq(moat_mqtt_str a, moat_mqtt_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static void same_connect(const moat_mqtt_connect *a, const moat_mqtt_connect *b)
{
    CHECK(str_eq(a->client_id, b->client_id));
    CHECK(a->keep_alive_s == b->keep_alive_s && a->clean_session == b->clean_session);
    CHECK(a->has_will == b->has_will && a->will_qos == b->will_qos);
    CHECK(a->will_retain == b->will_retain);
    CHECK(str_eq(a->will_topic, b->will_topic) && str_eq(a->will_payload, b->will_payload));
    CHECK(a->has_username == b->has_username && str_eq(a->username, b->username));
    CHECK(a->has_password == b->has_password && str_eq(a->password, b->password));
}

static void same_publish(const moat_mqtt_publish *a, const moat_mqtt_publish *b)
{
    CHECK(str_eq(a->topic, b->topic) && a->packet_id == b->packet_id);
    CHECK(a->qos == b->qos && a->retain == b->retain && a->dup == b->dup);
    CHECK(a->payload_len == b->payload_len);
    CHECK(a->payload_len == 0 || memcmp(a->payload, b->payload, a->payload_len) == 0);
}

/* Walks the entries, checks each against the rules the decoder promised, and copies them. */
static size_t walk_entries(const moat_mqtt_subscribe *s, bool is_sub, moat_mqtt_sub_entry *out)
{
    size_t cur = 0, n = 0;
    moat_mqtt_sub_entry e;
    while (moat_mqtt_sub_next(s, is_sub, &cur, &e)) {
        check_view(e.filter.data, e.filter.len);
        CHECK(moat_mqtt_validate_topic_filter(e.filter.data, e.filter.len) == MOAT_MQTT_OK);
        CHECK(e.qos <= 2);
        if (out)
            out[n] = e;
        n++;
    }
    CHECK(cur == s->entries_len);
    CHECK(n == s->count);
    return n;
}

static void same_subscribe(const moat_mqtt_subscribe *a, const moat_mqtt_subscribe *b)
{
    CHECK(a->packet_id == b->packet_id && a->count == b->count);
    CHECK(a->entries_len == b->entries_len);
    CHECK(memcmp(a->entries, b->entries, a->entries_len) == 0);
}

/* Re-encodes a decoded packet into out (which has room for it) and returns its length. */
static size_t reencode(const moat_mqtt_packet *p, uint8_t *out, size_t cap)
{
    size_t n = 0;
    moat_mqtt_status st = MOAT_MQTT_ERR_ARGUMENT;
    moat_mqtt_type t = p->header.type;
    switch (t) {
    case MOAT_MQTT_CONNECT:
        st = moat_mqtt_encode_connect(out, cap, &p->u.connect, &n);
        break;
    case MOAT_MQTT_CONNACK:
        st = moat_mqtt_encode_connack(out, cap, &p->u.connack, &n);
        break;
    case MOAT_MQTT_PUBLISH:
        st = moat_mqtt_encode_publish(out, cap, &p->u.publish, &n);
        CHECK(st != MOAT_MQTT_OK || n == moat_mqtt_publish_size(&p->u.publish));
        break;
    case MOAT_MQTT_SUBSCRIBE:
    case MOAT_MQTT_UNSUBSCRIBE: {
        bool sub = t == MOAT_MQTT_SUBSCRIBE;
        moat_mqtt_sub_entry *e = malloc(p->u.subscribe.count * sizeof *e + 1);
        CHECK(e != NULL);
        size_t count = walk_entries(&p->u.subscribe, sub, e);
        st = sub ? moat_mqtt_encode_subscribe(out, cap, p->u.subscribe.packet_id, e, count, &n)
                 : moat_mqtt_encode_unsubscribe(out, cap, p->u.subscribe.packet_id, e, count, &n);
        free(e);
        break;
    }
    case MOAT_MQTT_SUBACK:
        st = moat_mqtt_encode_suback(out, cap, p->u.suback.packet_id, p->u.suback.codes,
                                     p->u.suback.count, &n);
        break;
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBREL:
    case MOAT_MQTT_PUBCOMP:
    case MOAT_MQTT_UNSUBACK:
        st = moat_mqtt_encode_ack(out, cap, t, p->u.packet_id, &n);
        break;
    case MOAT_MQTT_PINGREQ:
    case MOAT_MQTT_PINGRESP:
    case MOAT_MQTT_DISCONNECT:
        st = moat_mqtt_encode_empty(out, cap, t, &n);
        break;
    }
    CHECK(st == MOAT_MQTT_OK);
    /* The encoder writes the shortest remaining length, so never more than the original. */
    CHECK(n <= p->header.packet_len);
    return n;
}

static void same_packet(const moat_mqtt_packet *a, const moat_mqtt_packet *b)
{
    CHECK(a->header.type == b->header.type && a->header.flags == b->header.flags);
    CHECK(a->header.remaining_length == b->header.remaining_length);
    switch (a->header.type) {
    case MOAT_MQTT_CONNECT:
        same_connect(&a->u.connect, &b->u.connect);
        break;
    case MOAT_MQTT_CONNACK:
        CHECK(a->u.connack.session_present == b->u.connack.session_present);
        CHECK(a->u.connack.return_code == b->u.connack.return_code);
        break;
    case MOAT_MQTT_PUBLISH:
        same_publish(&a->u.publish, &b->u.publish);
        break;
    case MOAT_MQTT_SUBSCRIBE:
    case MOAT_MQTT_UNSUBSCRIBE:
        same_subscribe(&a->u.subscribe, &b->u.subscribe);
        break;
    case MOAT_MQTT_SUBACK:
        CHECK(a->u.suback.packet_id == b->u.suback.packet_id);
        CHECK(a->u.suback.count == b->u.suback.count);
        CHECK(memcmp(a->u.suback.codes, b->u.suback.codes, a->u.suback.count) == 0);
        break;
    default:
        CHECK(a->u.packet_id == b->u.packet_id);
        break;
    }
}

/* Checks that every view of a decoded packet lies inside the input. */
static void check_views(const moat_mqtt_packet *p)
{
    switch (p->header.type) {
    case MOAT_MQTT_CONNECT:
        check_view(p->u.connect.client_id.data, p->u.connect.client_id.len);
        check_view(p->u.connect.will_topic.data, p->u.connect.will_topic.len);
        check_view(p->u.connect.will_payload.data, p->u.connect.will_payload.len);
        check_view(p->u.connect.username.data, p->u.connect.username.len);
        check_view(p->u.connect.password.data, p->u.connect.password.len);
        break;
    case MOAT_MQTT_PUBLISH:
        check_view(p->u.publish.topic.data, p->u.publish.topic.len);
        check_view(p->u.publish.payload, p->u.publish.payload_len);
        break;
    case MOAT_MQTT_SUBSCRIBE:
    case MOAT_MQTT_UNSUBSCRIBE:
        check_view(p->u.subscribe.entries, p->u.subscribe.entries_len);
        walk_entries(&p->u.subscribe, p->header.type == MOAT_MQTT_SUBSCRIBE, NULL);
        break;
    case MOAT_MQTT_SUBACK:
        check_view(p->u.suback.codes, p->u.suback.count);
        break;
    default:
        break;
    }
}

static void one(const uint8_t *data, size_t size, size_t max)
{
    moat_mqtt_packet p;
    moat_mqtt_header h;
    moat_mqtt_status st = moat_mqtt_decode(data, size, max, &p);
    moat_mqtt_status hs = moat_mqtt_peek_header(data, size, max, &h);
    CHECK(moat_mqtt_strerror(st) != NULL);
    if (st != MOAT_MQTT_OK) {
        CHECK(hs != MOAT_MQTT_OK || st != MOAT_MQTT_NEED_MORE || size < h.packet_len);
        return;
    }
    CHECK(hs == MOAT_MQTT_OK && h.packet_len == p.header.packet_len);
    CHECK(p.header.packet_len <= size);
    CHECK(max == 0 || p.header.packet_len <= max);
    check_views(&p);

    size_t cap = p.header.packet_len;
    uint8_t *out = malloc(cap);
    CHECK(out != NULL);
    size_t n = reencode(&p, out, cap);
    moat_mqtt_packet q;
    const uint8_t *lo = g_lo, *hi = g_hi;
    g_lo = out;
    g_hi = out + n;
    CHECK(moat_mqtt_decode(out, n, max, &q) == MOAT_MQTT_OK);
    CHECK(q.header.packet_len == n);
    check_views(&q);
    same_packet(&p, &q);
    g_lo = lo;
    g_hi = hi;
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so ASan sees any read past the end. */
    uint8_t *copy = malloc(size ? size : 1);
    if (copy == NULL)
        return 0;
    if (size)
        memcpy(copy, data, size);
    g_lo = copy;
    g_hi = copy + size;
    const size_t limits[] = {0, 8, 64, 4096, MOAT_MQTT_MAX_REMAINING_LENGTH + 5u};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++)
        one(copy, size, limits[i]);
    free(copy);
    return 0;
}
