/* mqtt_encode.c - MQTT 3.1.1 encoder: one function per packet shape, each computing the size
 * first, validating what it is asked to send, then writing into the caller's buffer. */
#include "moat/mqtt_codec.h"

#include <string.h>

size_t moat_mqtt_encode_varint(uint32_t value, uint8_t out[4])
{
    if (value > MOAT_MQTT_MAX_REMAINING_LENGTH || out == NULL)
        return 0;
    size_t n = 0;
    do {
        uint8_t b = (uint8_t)(value & 0x7Fu);
        value >>= 7;
        out[n++] = (uint8_t)(value ? (b | 0x80u) : b);
    } while (value);
    return n;
}

static size_t varint_size(size_t value)
{
    return value < 128u ? 1u : value < 16384u ? 2u : value < 2097152u ? 3u : 4u;
}

/* A writer that never passes cap; callers check the total size before writing. */
typedef struct {
    uint8_t *p;
    size_t pos;
} writer;

static void wr_u8(writer *w, uint8_t v)
{
    w->p[w->pos++] = v;
}

static void wr_u16(writer *w, uint16_t v)
{
    wr_u8(w, (uint8_t)(v >> 8));
    wr_u8(w, (uint8_t)(v & 0xFFu));
}

static void wr_bytes(writer *w, const uint8_t *d, size_t n)
{
    if (n > 0)
        memcpy(w->p + w->pos, d, n);
    w->pos += n;
}

static void wr_str(writer *w, const moat_mqtt_str *s)
{
    wr_u16(w, s->len);
    wr_bytes(w, s->data, s->len);
}

static void wr_header(writer *w, uint8_t first, size_t remaining)
{
    uint8_t v[4];
    wr_u8(w, first);
    wr_bytes(w, v, moat_mqtt_encode_varint((uint32_t)remaining, v));
}

/* Checks the remaining length and the output capacity; sets *out_len to the total packet
 * size (also when the buffer is too small, so the caller learns the size it needs). */
static moat_mqtt_status check_room(uint8_t *buf, size_t cap, size_t remaining, size_t *out_len)
{
    if (out_len == NULL)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (remaining > MOAT_MQTT_MAX_REMAINING_LENGTH)
        return MOAT_MQTT_ERR_TOO_LARGE;
    size_t total = 1 + varint_size(remaining) + remaining;
    *out_len = total;
    if (buf == NULL && cap > 0)
        return MOAT_MQTT_ERR_ARGUMENT;
    return total > cap ? MOAT_MQTT_ERR_BUFFER_TOO_SMALL : MOAT_MQTT_OK;
}

static bool str_ok(const moat_mqtt_str *s)
{
    return s->data != NULL || s->len == 0;
}

static moat_mqtt_status check_connect(const moat_mqtt_connect *c)
{
    if (!str_ok(&c->client_id) ||
        (c->has_will && (!str_ok(&c->will_topic) || !str_ok(&c->will_payload))) ||
        (c->has_username && !str_ok(&c->username)) || (c->has_password && !str_ok(&c->password)))
        return MOAT_MQTT_ERR_ARGUMENT;
    if (c->has_password && !c->has_username)
        return MOAT_MQTT_ERR_BAD_CONNECT_FLAGS; /* MQTT-3.1.2-22 */
    moat_mqtt_status st = moat_mqtt_validate_utf8(c->client_id.data, c->client_id.len);
    if (st == MOAT_MQTT_OK && c->has_will) {
        if (c->will_qos > 2)
            return MOAT_MQTT_ERR_BAD_QOS;
        st = moat_mqtt_validate_topic_name(c->will_topic.data, c->will_topic.len);
    }
    if (st == MOAT_MQTT_OK && c->has_username)
        st = moat_mqtt_validate_utf8(c->username.data, c->username.len);
    return st;
}

static uint8_t connect_flags(const moat_mqtt_connect *c)
{
    unsigned f = 0;
    if (c->clean_session)
        f |= 0x02u;
    if (c->has_will)
        f |= 0x04u | (unsigned)c->will_qos << 3 | (c->will_retain ? 0x20u : 0u);
    if (c->has_password)
        f |= 0x40u;
    if (c->has_username)
        f |= 0x80u;
    return (uint8_t)f;
}

moat_mqtt_status moat_mqtt_encode_connect(uint8_t *buf, size_t cap, const moat_mqtt_connect *c,
                                          size_t *out_len)
{
    if (c == NULL)
        return MOAT_MQTT_ERR_ARGUMENT;
    moat_mqtt_status st = check_connect(c);
    if (st != MOAT_MQTT_OK)
        return st;
    /* Variable header: "MQTT" name (6), level (1), flags (1), keep alive (2). */
    size_t rem = 10 + 2u + c->client_id.len;
    if (c->has_will)
        rem += 4u + c->will_topic.len + c->will_payload.len;
    if (c->has_username)
        rem += 2u + c->username.len;
    if (c->has_password)
        rem += 2u + c->password.len;
    if ((st = check_room(buf, cap, rem, out_len)) != MOAT_MQTT_OK)
        return st;

    static const moat_mqtt_str proto = {(const uint8_t *)"MQTT", 4};
    writer w = {buf, 0};
    wr_header(&w, MOAT_MQTT_CONNECT << 4, rem);
    wr_str(&w, &proto);
    wr_u8(&w, 4); /* protocol level of MQTT 3.1.1 */
    wr_u8(&w, connect_flags(c));
    wr_u16(&w, c->keep_alive_s);
    wr_str(&w, &c->client_id);
    if (c->has_will) {
        wr_str(&w, &c->will_topic);
        wr_str(&w, &c->will_payload);
    }
    if (c->has_username)
        wr_str(&w, &c->username);
    if (c->has_password)
        wr_str(&w, &c->password);
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_encode_connack(uint8_t *buf, size_t cap, const moat_mqtt_connack *c,
                                          size_t *out_len)
{
    if (c == NULL)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (c->return_code > MOAT_MQTT_CONNACK_NOT_AUTHORIZED ||
        (c->return_code != 0 && c->session_present))
        return MOAT_MQTT_ERR_BAD_CONNACK; /* MQTT-3.2.2-4 */
    moat_mqtt_status st = check_room(buf, cap, 2, out_len);
    if (st != MOAT_MQTT_OK)
        return st;
    writer w = {buf, 0};
    wr_header(&w, MOAT_MQTT_CONNACK << 4, 2);
    wr_u8(&w, c->session_present ? 1u : 0u);
    wr_u8(&w, c->return_code);
    return MOAT_MQTT_OK;
}

static moat_mqtt_status check_publish(const moat_mqtt_publish *p)
{
    if (p == NULL || !str_ok(&p->topic) || (p->payload == NULL && p->payload_len > 0))
        return MOAT_MQTT_ERR_ARGUMENT;
    if (p->qos > 2)
        return MOAT_MQTT_ERR_BAD_QOS;
    if (p->dup && p->qos == 0)
        return MOAT_MQTT_ERR_BAD_FLAGS; /* MQTT-3.3.1-2 */
    if (p->qos > 0 && p->packet_id == 0)
        return MOAT_MQTT_ERR_BAD_PACKET_ID; /* MQTT-2.3.1-1 */
    return moat_mqtt_validate_topic_name(p->topic.data, p->topic.len);
}

/* Remaining length of a PUBLISH without its payload. */
static size_t publish_head_rem(const moat_mqtt_publish *p)
{
    return 2u + p->topic.len + (p->qos > 0 ? 2u : 0u);
}

/* Validates a PUBLISH and gives its whole remaining length (TOO_LARGE past the MQTT limit). */
static moat_mqtt_status publish_rem(const moat_mqtt_publish *p, size_t *rem)
{
    moat_mqtt_status st = check_publish(p);
    if (st != MOAT_MQTT_OK)
        return st;
    size_t head = publish_head_rem(p);
    if (p->payload_len > MOAT_MQTT_MAX_REMAINING_LENGTH - head)
        return MOAT_MQTT_ERR_TOO_LARGE;
    *rem = head + p->payload_len;
    return MOAT_MQTT_OK;
}

size_t moat_mqtt_publish_size(const moat_mqtt_publish *p)
{
    size_t rem;
    return publish_rem(p, &rem) == MOAT_MQTT_OK ? 1 + varint_size(rem) + rem : 0;
}

/* Validates a PUBLISH and writes its header part (everything but the payload); reports the
 * sizes of that part and of the whole packet (also when the buffer is too small). */
static moat_mqtt_status write_publish_head(uint8_t *buf, size_t cap, const moat_mqtt_publish *p,
                                           size_t *head_len, size_t *total_len)
{
    size_t rem;
    moat_mqtt_status st = publish_rem(p, &rem);
    if (st != MOAT_MQTT_OK)
        return st;
    *head_len = 1 + varint_size(rem) + publish_head_rem(p);
    *total_len = *head_len + p->payload_len;
    if (buf == NULL && cap > 0)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (cap < *head_len)
        return MOAT_MQTT_ERR_BUFFER_TOO_SMALL;
    unsigned first =
        MOAT_MQTT_PUBLISH << 4 | (p->dup ? 8u : 0u) | (unsigned)p->qos << 1 | (p->retain ? 1u : 0u);
    writer w = {buf, 0};
    wr_header(&w, (uint8_t)first, rem);
    wr_str(&w, &p->topic);
    if (p->qos > 0)
        wr_u16(&w, p->packet_id);
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_encode_publish(uint8_t *buf, size_t cap, const moat_mqtt_publish *p,
                                          size_t *out_len)
{
    size_t head_len = 0, total = 0;
    if (out_len == NULL)
        return MOAT_MQTT_ERR_ARGUMENT;
    moat_mqtt_status st = write_publish_head(buf, cap, p, &head_len, &total);
    if (st == MOAT_MQTT_OK || st == MOAT_MQTT_ERR_BUFFER_TOO_SMALL)
        *out_len = total;
    if (st != MOAT_MQTT_OK)
        return st;
    if (total > cap)
        return MOAT_MQTT_ERR_BUFFER_TOO_SMALL;
    if (p->payload_len > 0)
        memcpy(buf + head_len, p->payload, p->payload_len);
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_encode_publish_header(uint8_t *buf, size_t cap,
                                                 const moat_mqtt_publish *p, size_t *out_len)
{
    size_t head_len = 0, total = 0;
    if (out_len == NULL)
        return MOAT_MQTT_ERR_ARGUMENT;
    moat_mqtt_status st = write_publish_head(buf, cap, p, &head_len, &total);
    if (st == MOAT_MQTT_OK || st == MOAT_MQTT_ERR_BUFFER_TOO_SMALL)
        *out_len = head_len;
    return st;
}

moat_mqtt_status moat_mqtt_encode_ack(uint8_t *buf, size_t cap, moat_mqtt_type type,
                                      uint16_t packet_id, size_t *out_len)
{
    unsigned flags;
    switch (type) {
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBCOMP:
    case MOAT_MQTT_UNSUBACK:
        flags = 0;
        break;
    case MOAT_MQTT_PUBREL:
        flags = 2; /* MQTT-3.6.1-1 */
        break;
    default:
        return MOAT_MQTT_ERR_ARGUMENT;
    }
    if (packet_id == 0)
        return MOAT_MQTT_ERR_BAD_PACKET_ID;
    moat_mqtt_status st = check_room(buf, cap, 2, out_len);
    if (st != MOAT_MQTT_OK)
        return st;
    writer w = {buf, 0};
    wr_header(&w, (uint8_t)((unsigned)type << 4 | flags), 2);
    wr_u16(&w, packet_id);
    return MOAT_MQTT_OK;
}

/* Validates SUBSCRIBE/UNSUBSCRIBE entries and returns their encoded size in *size. */
static moat_mqtt_status check_sub_entries(const moat_mqtt_sub_entry *e, size_t count,
                                          bool is_subscribe, size_t *size)
{
    if (e == NULL && count > 0)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (count == 0)
        return MOAT_MQTT_ERR_NO_TOPICS; /* MQTT-3.8.3-3, MQTT-3.10.3-2 */
    if (count > UINT16_MAX)
        return MOAT_MQTT_ERR_TOO_LARGE;
    *size = 0;
    for (size_t i = 0; i < count; i++) {
        if (!str_ok(&e[i].filter))
            return MOAT_MQTT_ERR_ARGUMENT;
        moat_mqtt_status st = moat_mqtt_validate_topic_filter(e[i].filter.data, e[i].filter.len);
        if (st != MOAT_MQTT_OK)
            return st;
        if (is_subscribe && e[i].qos > 2)
            return MOAT_MQTT_ERR_BAD_QOS;
        *size += 2u + e[i].filter.len + (is_subscribe ? 1u : 0u);
        if (*size > MOAT_MQTT_MAX_REMAINING_LENGTH)
            return MOAT_MQTT_ERR_TOO_LARGE;
    }
    return MOAT_MQTT_OK;
}

static moat_mqtt_status encode_sub(uint8_t *buf, size_t cap, bool is_subscribe, uint16_t packet_id,
                                   const moat_mqtt_sub_entry *entries, size_t count,
                                   size_t *out_len)
{
    size_t size = 0;
    if (packet_id == 0)
        return MOAT_MQTT_ERR_BAD_PACKET_ID;
    moat_mqtt_status st = check_sub_entries(entries, count, is_subscribe, &size);
    if (st == MOAT_MQTT_OK)
        st = check_room(buf, cap, 2 + size, out_len);
    if (st != MOAT_MQTT_OK)
        return st;
    unsigned type = is_subscribe ? MOAT_MQTT_SUBSCRIBE : MOAT_MQTT_UNSUBSCRIBE;
    writer w = {buf, 0};
    wr_header(&w, (uint8_t)(type << 4 | 2u), 2 + size); /* flags 0x2: MQTT-3.8.1-1, -3.10.1-1 */
    wr_u16(&w, packet_id);
    for (size_t i = 0; i < count; i++) {
        wr_str(&w, &entries[i].filter);
        if (is_subscribe)
            wr_u8(&w, entries[i].qos);
    }
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_encode_subscribe(uint8_t *buf, size_t cap, uint16_t packet_id,
                                            const moat_mqtt_sub_entry *entries, size_t count,
                                            size_t *out_len)
{
    return encode_sub(buf, cap, true, packet_id, entries, count, out_len);
}

moat_mqtt_status moat_mqtt_encode_unsubscribe(uint8_t *buf, size_t cap, uint16_t packet_id,
                                              const moat_mqtt_sub_entry *entries, size_t count,
                                              size_t *out_len)
{
    return encode_sub(buf, cap, false, packet_id, entries, count, out_len);
}

moat_mqtt_status moat_mqtt_encode_suback(uint8_t *buf, size_t cap, uint16_t packet_id,
                                         const uint8_t *codes, size_t count, size_t *out_len)
{
    if (codes == NULL && count > 0)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (packet_id == 0)
        return MOAT_MQTT_ERR_BAD_PACKET_ID;
    if (count == 0)
        return MOAT_MQTT_ERR_NO_TOPICS;
    if (count > UINT16_MAX)
        return MOAT_MQTT_ERR_TOO_LARGE;
    for (size_t i = 0; i < count; i++) {
        if (codes[i] > 2 && codes[i] != MOAT_MQTT_SUBACK_FAILURE)
            return MOAT_MQTT_ERR_BAD_SUBACK_CODE;
    }
    moat_mqtt_status st = check_room(buf, cap, 2 + count, out_len);
    if (st != MOAT_MQTT_OK)
        return st;
    writer w = {buf, 0};
    wr_header(&w, MOAT_MQTT_SUBACK << 4, 2 + count);
    wr_u16(&w, packet_id);
    wr_bytes(&w, codes, count);
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_encode_empty(uint8_t *buf, size_t cap, moat_mqtt_type type,
                                        size_t *out_len)
{
    if (type != MOAT_MQTT_PINGREQ && type != MOAT_MQTT_PINGRESP && type != MOAT_MQTT_DISCONNECT)
        return MOAT_MQTT_ERR_ARGUMENT;
    moat_mqtt_status st = check_room(buf, cap, 0, out_len);
    if (st != MOAT_MQTT_OK)
        return st;
    writer w = {buf, 0};
    wr_header(&w, (uint8_t)((unsigned)type << 4), 0);
    return MOAT_MQTT_OK;
}
