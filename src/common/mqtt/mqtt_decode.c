/* mqtt_decode.c - MQTT 3.1.1 decoder: fixed header, then one validator per packet type.
 * Zero-copy: decoded strings point into the caller's buffer; nothing is read past buf + len. */
#include "moat/mqtt_codec.h"

#include <string.h>

/* A bounded reader over the variable header and payload of one packet. */
typedef struct {
    const uint8_t *p;
    size_t len;
    size_t pos;
} reader;

static size_t rd_left(const reader *r)
{
    return r->len - r->pos;
}

static moat_mqtt_status rd_u8(reader *r, uint8_t *v)
{
    if (rd_left(r) < 1)
        return MOAT_MQTT_ERR_TRUNCATED;
    *v = r->p[r->pos++];
    return MOAT_MQTT_OK;
}

static moat_mqtt_status rd_u16(reader *r, uint16_t *v)
{
    if (rd_left(r) < 2)
        return MOAT_MQTT_ERR_TRUNCATED;
    *v = (uint16_t)((unsigned)r->p[r->pos] << 8 | r->p[r->pos + 1]);
    r->pos += 2;
    return MOAT_MQTT_OK;
}

/* A two-byte length followed by that many bytes (MQTT 1.5.3; binary data uses it too). */
static moat_mqtt_status rd_str(reader *r, moat_mqtt_str *s)
{
    uint16_t n;
    if (rd_u16(r, &n) != MOAT_MQTT_OK || rd_left(r) < n)
        return MOAT_MQTT_ERR_TRUNCATED;
    s->data = r->p + r->pos;
    s->len = n;
    r->pos += n;
    return MOAT_MQTT_OK;
}

static moat_mqtt_status rd_packet_id(reader *r, uint16_t *id)
{
    moat_mqtt_status st = rd_u16(r, id);
    if (st == MOAT_MQTT_OK && *id == 0)
        return MOAT_MQTT_ERR_BAD_PACKET_ID; /* MQTT-2.3.1-1 */
    return st;
}

static moat_mqtt_status rd_end(const reader *r)
{
    return rd_left(r) == 0 ? MOAT_MQTT_OK : MOAT_MQTT_ERR_TRAILING_BYTES;
}

/* The flags MQTT-2.2.2-2 requires; PUBLISH (checked separately) carries DUP/QoS/RETAIN. */
static moat_mqtt_status check_flags(uint8_t type, uint8_t flags)
{
    if (type == MOAT_MQTT_PUBLISH) {
        uint8_t qos = (uint8_t)((flags >> 1) & 3u);
        if (qos == 3)
            return MOAT_MQTT_ERR_BAD_FLAGS; /* MQTT-3.3.1-4 */
        if (qos == 0 && (flags & 0x8u))
            return MOAT_MQTT_ERR_BAD_FLAGS; /* MQTT-3.3.1-2 */
        return MOAT_MQTT_OK;
    }
    bool want_two =
        type == MOAT_MQTT_PUBREL || type == MOAT_MQTT_SUBSCRIBE || type == MOAT_MQTT_UNSUBSCRIBE;
    return flags == (want_two ? 2u : 0u) ? MOAT_MQTT_OK : MOAT_MQTT_ERR_BAD_FLAGS;
}

/* Remaining length of packet types whose size is fixed; -1 for variable-size types. */
static long fixed_remaining_length(uint8_t type)
{
    switch (type) {
    case MOAT_MQTT_CONNACK:
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBREL:
    case MOAT_MQTT_PUBCOMP:
    case MOAT_MQTT_UNSUBACK:
        return 2;
    case MOAT_MQTT_PINGREQ:
    case MOAT_MQTT_PINGRESP:
    case MOAT_MQTT_DISCONNECT:
        return 0;
    default:
        return -1;
    }
}

/* Reads the fixed header; with flags_early, the flags are validated as soon as the
 * first byte is known, so a bad packet is refused before its body arrives. */
static moat_mqtt_status read_fixed_header(const uint8_t *buf, size_t len, size_t max_packet,
                                          bool flags_early, moat_mqtt_header *out)
{
    if ((buf == NULL && len > 0) || out == NULL)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (len == 0)
        return MOAT_MQTT_NEED_MORE;
    uint8_t type = (uint8_t)(buf[0] >> 4);
    uint8_t flags = (uint8_t)(buf[0] & 0x0Fu);
    if (type == 0 || type == 15)
        return MOAT_MQTT_ERR_BAD_TYPE;
    if (flags_early && check_flags(type, flags) != MOAT_MQTT_OK)
        return MOAT_MQTT_ERR_BAD_FLAGS;

    uint32_t value = 0;
    size_t i = 0;
    for (;;) {
        if (i == 4)
            return MOAT_MQTT_ERR_BAD_REMAINING_LENGTH; /* 4 bytes at most (MQTT 2.2.3) */
        if (1 + i >= len)
            return MOAT_MQTT_NEED_MORE;
        uint8_t b = buf[1 + i];
        value |= (uint32_t)(b & 0x7Fu) << (7u * i);
        i++;
        if ((b & 0x80u) == 0)
            break;
    }
    long fixed = fixed_remaining_length(type);
    if (fixed >= 0 && value != (uint32_t)fixed)
        return MOAT_MQTT_ERR_BAD_REMAINING_LENGTH;

    out->type = (moat_mqtt_type)type;
    out->flags = flags;
    out->remaining_length = value;
    out->header_len = (uint8_t)(1 + i);
    out->packet_len = (size_t)(1 + i) + (size_t)value;
    if (max_packet == 0)
        max_packet = MOAT_MQTT_MAX_PACKET_DEFAULT;
    if (out->packet_len > max_packet)
        return MOAT_MQTT_ERR_TOO_LARGE;
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_peek_header(const uint8_t *buf, size_t len, size_t max_packet,
                                       moat_mqtt_header *out)
{
    return read_fixed_header(buf, len, max_packet, false, out);
}

/* CONNECT flags byte (MQTT 3.1.2.3). */
enum {
    CF_RESERVED = 0x01,
    CF_CLEAN = 0x02,
    CF_WILL = 0x04,
    CF_WILL_QOS = 0x18,
    CF_WILL_RETAIN = 0x20,
    CF_PASSWORD = 0x40,
    CF_USERNAME = 0x80,
};

static moat_mqtt_status decode_connect_flags(uint8_t f, moat_mqtt_connect *c)
{
    if (f & CF_RESERVED)
        return MOAT_MQTT_ERR_BAD_CONNECT_FLAGS; /* MQTT-3.1.2-3 */
    c->clean_session = (f & CF_CLEAN) != 0;
    c->has_will = (f & CF_WILL) != 0;
    c->will_qos = (uint8_t)((f & CF_WILL_QOS) >> 3);
    c->will_retain = (f & CF_WILL_RETAIN) != 0;
    c->has_password = (f & CF_PASSWORD) != 0;
    c->has_username = (f & CF_USERNAME) != 0;
    if (!c->has_will && (c->will_qos != 0 || c->will_retain))
        return MOAT_MQTT_ERR_BAD_CONNECT_FLAGS; /* MQTT-3.1.2-13, -15 */
    if (c->will_qos == 3)
        return MOAT_MQTT_ERR_BAD_QOS; /* MQTT-3.1.2-14 */
    if (c->has_password && !c->has_username)
        return MOAT_MQTT_ERR_BAD_CONNECT_FLAGS; /* MQTT-3.1.2-22 */
    return MOAT_MQTT_OK;
}

static moat_mqtt_status rd_utf8(reader *r, moat_mqtt_str *s)
{
    moat_mqtt_status st = rd_str(r, s);
    return st != MOAT_MQTT_OK ? st : moat_mqtt_validate_utf8(s->data, s->len);
}

static moat_mqtt_status decode_connect_payload(reader *r, moat_mqtt_connect *c)
{
    moat_mqtt_status st = rd_utf8(r, &c->client_id); /* MQTT-3.1.3-4 */
    if (st == MOAT_MQTT_OK && c->has_will) {
        st = rd_str(r, &c->will_topic);
        if (st == MOAT_MQTT_OK)
            st = moat_mqtt_validate_topic_name(c->will_topic.data, c->will_topic.len);
        if (st == MOAT_MQTT_OK)
            st = rd_str(r, &c->will_payload);
    }
    if (st == MOAT_MQTT_OK && c->has_username)
        st = rd_utf8(r, &c->username); /* MQTT-3.1.3-11 */
    if (st == MOAT_MQTT_OK && c->has_password)
        st = rd_str(r, &c->password);
    return st != MOAT_MQTT_OK ? st : rd_end(r);
}

static moat_mqtt_status decode_connect(reader *r, moat_mqtt_connect *c)
{
    moat_mqtt_str name;
    uint8_t level, flags;
    moat_mqtt_status st = rd_str(r, &name);
    if (st != MOAT_MQTT_OK)
        return st;
    if (name.len != 4 || memcmp(name.data, "MQTT", 4) != 0)
        return MOAT_MQTT_ERR_BAD_PROTOCOL_NAME; /* MQTT-3.1.2-1 */
    if ((st = rd_u8(r, &level)) != MOAT_MQTT_OK)
        return st;
    if (level != 4)
        return MOAT_MQTT_ERR_BAD_PROTOCOL_LEVEL; /* MQTT-3.1.2-2 */
    if ((st = rd_u8(r, &flags)) != MOAT_MQTT_OK)
        return st;
    if ((st = decode_connect_flags(flags, c)) != MOAT_MQTT_OK)
        return st;
    if ((st = rd_u16(r, &c->keep_alive_s)) != MOAT_MQTT_OK)
        return st;
    return decode_connect_payload(r, c);
}

static moat_mqtt_status decode_connack(reader *r, moat_mqtt_connack *c)
{
    uint8_t ack_flags = r->p[0], code = r->p[1]; /* remaining length is exactly 2 */
    if ((ack_flags & 0xFEu) != 0 || code > MOAT_MQTT_CONNACK_NOT_AUTHORIZED)
        return MOAT_MQTT_ERR_BAD_CONNACK; /* MQTT 3.2.2.1: bits 7-1 reserved */
    if (code != 0 && (ack_flags & 1u))
        return MOAT_MQTT_ERR_BAD_CONNACK; /* MQTT-3.2.2-4 */
    c->session_present = (ack_flags & 1u) != 0;
    c->return_code = code;
    r->pos = 2;
    return MOAT_MQTT_OK;
}

static moat_mqtt_status decode_publish(reader *r, uint8_t flags, moat_mqtt_publish *p)
{
    p->retain = (flags & 1u) != 0;
    p->qos = (uint8_t)((flags >> 1) & 3u);
    p->dup = (flags & 8u) != 0;
    p->packet_id = 0;
    moat_mqtt_status st = rd_str(r, &p->topic);
    if (st == MOAT_MQTT_OK)
        st = moat_mqtt_validate_topic_name(p->topic.data, p->topic.len);
    if (st == MOAT_MQTT_OK && p->qos > 0)
        st = rd_packet_id(r, &p->packet_id);
    if (st != MOAT_MQTT_OK)
        return st;
    p->payload = r->p + r->pos;
    p->payload_len = rd_left(r);
    r->pos = r->len;
    return MOAT_MQTT_OK;
}

/* One SUBSCRIBE or UNSUBSCRIBE entry: a filter, then (SUBSCRIBE only) a requested QoS. */
static moat_mqtt_status decode_sub_entry(reader *r, bool is_subscribe)
{
    moat_mqtt_str filter;
    moat_mqtt_status st = rd_str(r, &filter);
    if (st == MOAT_MQTT_OK)
        st = moat_mqtt_validate_topic_filter(filter.data, filter.len);
    if (st != MOAT_MQTT_OK || !is_subscribe)
        return st;
    uint8_t qos;
    if ((st = rd_u8(r, &qos)) != MOAT_MQTT_OK)
        return st;
    return qos > 2 ? MOAT_MQTT_ERR_BAD_QOS : MOAT_MQTT_OK; /* MQTT-3.8.3-4 */
}

static moat_mqtt_status decode_subscribe(reader *r, bool is_subscribe, moat_mqtt_subscribe *s)
{
    moat_mqtt_status st = rd_packet_id(r, &s->packet_id);
    if (st != MOAT_MQTT_OK)
        return st;
    if (rd_left(r) == 0)
        return MOAT_MQTT_ERR_NO_TOPICS; /* MQTT-3.8.3-3, MQTT-3.10.3-2 */
    s->entries = r->p + r->pos;
    s->entries_len = rd_left(r);
    size_t count = 0;
    while (rd_left(r) > 0) {
        if ((st = decode_sub_entry(r, is_subscribe)) != MOAT_MQTT_OK)
            return st;
        if (++count > UINT16_MAX)
            return MOAT_MQTT_ERR_TOO_LARGE;
    }
    s->count = (uint16_t)count;
    return MOAT_MQTT_OK;
}

static moat_mqtt_status decode_suback(reader *r, moat_mqtt_suback *s)
{
    moat_mqtt_status st = rd_packet_id(r, &s->packet_id);
    if (st != MOAT_MQTT_OK)
        return st;
    size_t count = rd_left(r);
    if (count == 0)
        return MOAT_MQTT_ERR_NO_TOPICS; /* one code per filter, and there is at least one */
    if (count > UINT16_MAX)
        return MOAT_MQTT_ERR_TOO_LARGE;
    s->codes = r->p + r->pos;
    s->count = (uint16_t)count;
    for (size_t i = 0; i < count; i++) {
        uint8_t c = s->codes[i];
        if (c > 2 && c != MOAT_MQTT_SUBACK_FAILURE)
            return MOAT_MQTT_ERR_BAD_SUBACK_CODE; /* MQTT-3.9.3-2 */
    }
    r->pos = r->len;
    return MOAT_MQTT_OK;
}

static moat_mqtt_status decode_body(reader *r, const moat_mqtt_header *h, moat_mqtt_packet *out)
{
    switch (h->type) {
    case MOAT_MQTT_CONNECT:
        return decode_connect(r, &out->u.connect);
    case MOAT_MQTT_CONNACK:
        return decode_connack(r, &out->u.connack);
    case MOAT_MQTT_PUBLISH:
        return decode_publish(r, h->flags, &out->u.publish);
    case MOAT_MQTT_SUBSCRIBE:
    case MOAT_MQTT_UNSUBSCRIBE:
        return decode_subscribe(r, h->type == MOAT_MQTT_SUBSCRIBE, &out->u.subscribe);
    case MOAT_MQTT_SUBACK:
        return decode_suback(r, &out->u.suback);
    case MOAT_MQTT_PUBACK:
    case MOAT_MQTT_PUBREC:
    case MOAT_MQTT_PUBREL:
    case MOAT_MQTT_PUBCOMP:
    case MOAT_MQTT_UNSUBACK:
        return rd_packet_id(r, &out->u.packet_id);
    case MOAT_MQTT_PINGREQ:
    case MOAT_MQTT_PINGRESP:
    case MOAT_MQTT_DISCONNECT:
        return MOAT_MQTT_OK;
    }
    return MOAT_MQTT_ERR_BAD_TYPE;
}

moat_mqtt_status moat_mqtt_decode(const uint8_t *buf, size_t len, size_t max_packet,
                                  moat_mqtt_packet *out)
{
    if (out == NULL)
        return MOAT_MQTT_ERR_ARGUMENT;
    memset(out, 0, sizeof *out);
    moat_mqtt_status st = read_fixed_header(buf, len, max_packet, true, &out->header);
    if (st != MOAT_MQTT_OK)
        return st;
    if (len < out->header.packet_len)
        return MOAT_MQTT_NEED_MORE;
    reader r = {buf + out->header.header_len, out->header.remaining_length, 0};
    st = decode_body(&r, &out->header, out);
    return st != MOAT_MQTT_OK ? st : rd_end(&r);
}

bool moat_mqtt_sub_next(const moat_mqtt_subscribe *s, bool is_subscribe, size_t *cursor,
                        moat_mqtt_sub_entry *entry)
{
    if (s == NULL || cursor == NULL || entry == NULL || s->entries == NULL)
        return false;
    reader r = {s->entries, s->entries_len, *cursor};
    if (*cursor >= s->entries_len || rd_str(&r, &entry->filter) != MOAT_MQTT_OK)
        return false;
    entry->qos = 0;
    if (is_subscribe && rd_u8(&r, &entry->qos) != MOAT_MQTT_OK)
        return false;
    *cursor = r.pos;
    return true;
}
