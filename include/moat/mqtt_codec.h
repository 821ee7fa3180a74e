/* moat/mqtt_codec.h - MQTT 3.1.1 packet encoder and decoder, shared by the device client and
 * the moatd broker.
 *
 * No allocation, no I/O. Decoding is zero-copy: every string and payload in a decoded packet
 * is a view into the caller's buffer, valid while that buffer is. Every malformed input gets
 * its own status; the decoder never reads outside [buf, buf + len).
 *
 * Spec references are to the OASIS MQTT 3.1.1 standard, e.g. MQTT-3.1.2-3.
 */
#ifndef MOAT_MQTT_CODEC_H
#define MOAT_MQTT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/config.h"

typedef enum {
    MOAT_MQTT_OK = 0,
    MOAT_MQTT_NEED_MORE,           /* not an error: the buffer holds only part of a packet;
                                      read more bytes and call again */
    MOAT_MQTT_ERR_ARGUMENT,        /* a NULL pointer or an impossible value from the caller */
    MOAT_MQTT_ERR_BUFFER_TOO_SMALL,/* encode: the output buffer cannot hold the packet */
    MOAT_MQTT_ERR_BAD_TYPE,        /* packet type 0 or 15 (reserved) */
    MOAT_MQTT_ERR_BAD_FLAGS,       /* fixed-header flags differ from those the type requires
                                      (MQTT-2.2.2-2), or PUBLISH QoS 3 / DUP on QoS 0 */
    MOAT_MQTT_ERR_BAD_REMAINING_LENGTH, /* remaining length longer than 4 bytes, or a length
                                      that the packet type cannot have (e.g. PINGREQ != 0) */
    MOAT_MQTT_ERR_TOO_LARGE,       /* packet bigger than the maximum the caller allows, or
                                      with more than 65535 filters / return codes */
    MOAT_MQTT_ERR_TRUNCATED,       /* a field runs past the end of the packet */
    MOAT_MQTT_ERR_TRAILING_BYTES,  /* bytes left over after the packet's last field */
    MOAT_MQTT_ERR_BAD_UTF8,        /* a string is not well-formed UTF-8, holds U+0000 or a
                                      surrogate (MQTT-1.5.3-1..3) */
    MOAT_MQTT_ERR_BAD_TOPIC,       /* topic name empty, or holds '+' or '#' (MQTT-3.3.2-2) */
    MOAT_MQTT_ERR_BAD_FILTER,      /* topic filter empty or with a misplaced wildcard:
                                      '#' not last or not alone in its level, '+' not alone
                                      in its level (MQTT-4.7.1-2, -3) */
    MOAT_MQTT_ERR_BAD_QOS,         /* a QoS of 3 in a SUBSCRIBE or will, or reserved bits set
                                      in a requested QoS byte (MQTT-3.8.3-4) */
    MOAT_MQTT_ERR_BAD_PROTOCOL_NAME,  /* CONNECT protocol name is not "MQTT" (MQTT-3.1.2-1) */
    MOAT_MQTT_ERR_BAD_PROTOCOL_LEVEL, /* CONNECT protocol level is not 4: the peer speaks
                                         another MQTT version (CONNACK 0x01 is the answer) */
    MOAT_MQTT_ERR_BAD_CONNECT_FLAGS,  /* reserved flag set (MQTT-3.1.2-3), will QoS/retain
                                         without the will flag (MQTT-3.1.2-11..15), or a
                                         password without a user name (MQTT-3.1.2-22) */
    MOAT_MQTT_ERR_BAD_PACKET_ID,   /* packet identifier 0 where one is required (MQTT-2.3.1-1) */
    MOAT_MQTT_ERR_NO_TOPICS,       /* SUBSCRIBE/UNSUBSCRIBE with no topic filter
                                      (MQTT-3.8.3-3, MQTT-3.10.3-2), SUBACK with no code */
    MOAT_MQTT_ERR_BAD_CONNACK,     /* CONNACK with reserved bits or an unknown return code,
                                      or session present with a refusal (MQTT-3.2.2-4) */
    MOAT_MQTT_ERR_BAD_SUBACK_CODE, /* SUBACK return code other than 0, 1, 2 or 0x80 */
    MOAT_MQTT_ERR_STRING_TOO_LONG, /* encode: a string or will payload longer than 65535 */
} moat_mqtt_status;

/* Packet types, the values of the fixed header's upper nibble. */
typedef enum {
    MOAT_MQTT_CONNECT = 1,
    MOAT_MQTT_CONNACK = 2,
    MOAT_MQTT_PUBLISH = 3,
    MOAT_MQTT_PUBACK = 4,
    MOAT_MQTT_PUBREC = 5,
    MOAT_MQTT_PUBREL = 6,
    MOAT_MQTT_PUBCOMP = 7,
    MOAT_MQTT_SUBSCRIBE = 8,
    MOAT_MQTT_SUBACK = 9,
    MOAT_MQTT_UNSUBSCRIBE = 10,
    MOAT_MQTT_UNSUBACK = 11,
    MOAT_MQTT_PINGREQ = 12,
    MOAT_MQTT_PINGRESP = 13,
    MOAT_MQTT_DISCONNECT = 14,
} moat_mqtt_type;

/* CONNACK return codes (MQTT 3.1.1 section 3.2.2.3). */
typedef enum {
    MOAT_MQTT_CONNACK_ACCEPTED = 0,
    MOAT_MQTT_CONNACK_BAD_PROTOCOL_VERSION = 1,
    MOAT_MQTT_CONNACK_IDENTIFIER_REJECTED = 2,
    MOAT_MQTT_CONNACK_SERVER_UNAVAILABLE = 3,
    MOAT_MQTT_CONNACK_BAD_USERNAME_OR_PASSWORD = 4,
    MOAT_MQTT_CONNACK_NOT_AUTHORIZED = 5,
} moat_mqtt_connack_code;

#define MOAT_MQTT_SUBACK_FAILURE 0x80u
#define MOAT_MQTT_MAX_REMAINING_LENGTH 268435455u /* 4-byte varint maximum */
#define MOAT_MQTT_MAX_HEADER_LEN 5u               /* type byte + 4-byte remaining length */

/* A length-prefixed string or binary field: a view, not NUL-terminated. */
typedef struct {
    const uint8_t *data;
    uint16_t len;
} moat_mqtt_str;

typedef struct {
    moat_mqtt_str client_id;   /* may be empty (then clean_session must be true, MQTT-3.1.3-7;
                                  that rule is the server's to enforce, with CONNACK 0x02) */
    uint16_t keep_alive_s;
    bool clean_session;
    bool has_will;
    moat_mqtt_str will_topic;
    moat_mqtt_str will_payload;
    uint8_t will_qos;
    bool will_retain;
    bool has_username;
    moat_mqtt_str username;
    bool has_password;
    moat_mqtt_str password;    /* binary */
} moat_mqtt_connect;

typedef struct {
    bool session_present;
    uint8_t return_code; /* moat_mqtt_connack_code */
} moat_mqtt_connack;

typedef struct {
    moat_mqtt_str topic;
    const uint8_t *payload;
    size_t payload_len;
    uint16_t packet_id; /* 0 for QoS 0 */
    uint8_t qos;
    bool retain;
    bool dup;
} moat_mqtt_publish;

/* One entry of SUBSCRIBE (filter + requested QoS) or UNSUBSCRIBE (filter; qos unused). */
typedef struct {
    moat_mqtt_str filter;
    uint8_t qos;
} moat_mqtt_sub_entry;

/* A decoded SUBSCRIBE or UNSUBSCRIBE. The entries were all validated by the decoder; walk
 * them with moat_mqtt_sub_next(). */
typedef struct {
    uint16_t packet_id;
    uint16_t count;          /* number of entries */
    const uint8_t *entries;  /* raw entry bytes */
    size_t entries_len;
} moat_mqtt_subscribe;

typedef struct {
    uint16_t packet_id;
    uint16_t count;
    const uint8_t *codes; /* one return code per requested filter */
} moat_mqtt_suback;

/* The fixed header, as far as it has been read. */
typedef struct {
    moat_mqtt_type type;
    uint8_t flags;           /* low nibble of the first byte */
    uint32_t remaining_length;
    uint8_t header_len;      /* 2..5 */
    size_t packet_len;       /* header_len + remaining_length */
} moat_mqtt_header;

typedef struct {
    moat_mqtt_header header;
    union {
        moat_mqtt_connect connect;
        moat_mqtt_connack connack;
        moat_mqtt_publish publish;
        moat_mqtt_subscribe subscribe;   /* SUBSCRIBE and UNSUBSCRIBE */
        moat_mqtt_suback suback;
        uint16_t packet_id;              /* PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK */
    } u;
} moat_mqtt_packet;

/* Short name of a status, e.g. "bad UTF-8". With MOAT_CONFIG_EXPLAIN, a sentence that says
 * what was wrong with the bytes. Never NULL. */
const char *moat_mqtt_strerror(moat_mqtt_status s);

/* "CONNECT", "PUBLISH", ...; "reserved" for 0 and 15. */
const char *moat_mqtt_type_name(uint8_t type);

/* Name of a CONNACK return code, e.g. "not authorized (5)"; "unknown" for others. */
const char *moat_mqtt_connack_name(uint8_t return_code);

/* ---- Decoding ---------------------------------------------------------------------------- */

/* In both functions below, max_packet is the largest whole packet (header included) the
 * caller accepts; 0 means MOAT_MQTT_MAX_PACKET_DEFAULT. The remaining-length varint may use
 * more bytes than needed (MQTT 3.1.1 allows it); it may not use more than 4. */

/* Reads the fixed header at the start of `buf`. Returns MOAT_MQTT_NEED_MORE if `len` bytes
 * are not enough to know the remaining length, MOAT_MQTT_ERR_BAD_TYPE /
 * _BAD_REMAINING_LENGTH / _TOO_LARGE (packet_len > max_packet) if the header is bad, OK
 * otherwise. Flags are not checked here. */
moat_mqtt_status moat_mqtt_peek_header(const uint8_t *buf, size_t len, size_t max_packet,
                                       moat_mqtt_header *out);

/* Decodes and fully validates one packet at the start of `buf`. Returns MOAT_MQTT_NEED_MORE
 * until `len` covers the whole packet (then out->header.packet_len says how much to consume).
 * Accepts packets of both directions; the caller rejects those its role must not receive.
 * The fixed-header flags are checked as soon as the first byte is there, and the header as
 * soon as it is complete, so a bad packet is refused before its body arrives. out->header is
 * filled once the header is complete (also with NEED_MORE and TOO_LARGE, so a caller can skip
 * or size a read). */
moat_mqtt_status moat_mqtt_decode(const uint8_t *buf, size_t len, size_t max_packet,
                                  moat_mqtt_packet *out);

/* Walks the entries of a decoded SUBSCRIBE/UNSUBSCRIBE. `*cursor` starts at 0. Returns true
 * and fills `*entry` while entries remain. `is_subscribe` selects the entry format. */
bool moat_mqtt_sub_next(const moat_mqtt_subscribe *s, bool is_subscribe, size_t *cursor,
                        moat_mqtt_sub_entry *entry);

/* ---- Encoding: each writes one whole packet into buf[0..cap) and sets *out_len ---------- */

/* The encoders validate what they are asked to send with the decoder's rules (UTF-8, topic
 * names, filters, QoS, non-zero packet ids) and return the same statuses. On
 * MOAT_MQTT_ERR_BUFFER_TOO_SMALL, *out_len holds the size needed; buf may be NULL with cap 0
 * to ask for the size. */

moat_mqtt_status moat_mqtt_encode_connect(uint8_t *buf, size_t cap, const moat_mqtt_connect *c,
                                          size_t *out_len);
moat_mqtt_status moat_mqtt_encode_connack(uint8_t *buf, size_t cap, const moat_mqtt_connack *c,
                                          size_t *out_len);
moat_mqtt_status moat_mqtt_encode_publish(uint8_t *buf, size_t cap, const moat_mqtt_publish *p,
                                          size_t *out_len);

/* Writes only the PUBLISH fixed header, topic and packet id; the caller sends p->payload
 * after it (so a large payload is never copied). *out_len is the header's length. */
moat_mqtt_status moat_mqtt_encode_publish_header(uint8_t *buf, size_t cap,
                                                 const moat_mqtt_publish *p, size_t *out_len);

/* PUBACK, PUBREC, PUBREL (flags 0x2 set for you), PUBCOMP, UNSUBACK. */
moat_mqtt_status moat_mqtt_encode_ack(uint8_t *buf, size_t cap, moat_mqtt_type type,
                                      uint16_t packet_id, size_t *out_len);
moat_mqtt_status moat_mqtt_encode_subscribe(uint8_t *buf, size_t cap, uint16_t packet_id,
                                            const moat_mqtt_sub_entry *entries, size_t count,
                                            size_t *out_len);
moat_mqtt_status moat_mqtt_encode_unsubscribe(uint8_t *buf, size_t cap, uint16_t packet_id,
                                              const moat_mqtt_sub_entry *entries, size_t count,
                                              size_t *out_len);
moat_mqtt_status moat_mqtt_encode_suback(uint8_t *buf, size_t cap, uint16_t packet_id,
                                         const uint8_t *codes, size_t count, size_t *out_len);
/* PINGREQ, PINGRESP, DISCONNECT: two bytes each. */
moat_mqtt_status moat_mqtt_encode_empty(uint8_t *buf, size_t cap, moat_mqtt_type type,
                                        size_t *out_len);

/* Size the whole encoded PUBLISH would take (header + topic + id + payload), 0 if invalid. */
size_t moat_mqtt_publish_size(const moat_mqtt_publish *p);

/* ---- Validation and matching, usable on their own ---------------------------------------- */

/* Remaining-length varint: writes 1..4 bytes to out (cap >= 4 is always enough), returns the
 * number written, or 0 if value > MOAT_MQTT_MAX_REMAINING_LENGTH. */
size_t moat_mqtt_encode_varint(uint32_t value, uint8_t out[4]);

moat_mqtt_status moat_mqtt_validate_utf8(const uint8_t *s, size_t len);
moat_mqtt_status moat_mqtt_validate_topic_name(const uint8_t *s, size_t len);
moat_mqtt_status moat_mqtt_validate_topic_filter(const uint8_t *s, size_t len);

/* True if the topic name matches the filter, with the rule that a filter starting with a
 * wildcard does not match a topic starting with '$' (MQTT-4.7.2-1). Both must be valid. */
bool moat_mqtt_topic_matches(const uint8_t *filter, size_t filter_len, const uint8_t *topic,
                             size_t topic_len);

#endif
