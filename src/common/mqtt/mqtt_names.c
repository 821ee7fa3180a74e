/* mqtt_names.c - human-readable names for MQTT codec statuses, packet types and CONNACK codes.
 * With MOAT_CONFIG_EXPLAIN=0 only the short names are compiled in, to save flash. */
#include "moat/mqtt_codec.h"

#if MOAT_CONFIG_EXPLAIN
#define MQ_TEXT(name, sentence) sentence
#else
#define MQ_TEXT(name, sentence) name
#endif

/* Indexed by moat_mqtt_status; keep in the enum's order. */
static const char *const status_text[] = {
    MQ_TEXT("ok", "ok"),
    MQ_TEXT("need more bytes",
            "need more bytes: the buffer holds only the start of a packet; read more and retry"),
    MQ_TEXT("bad argument",
            "bad argument: a NULL pointer or an impossible value was passed to the MQTT codec"),
    MQ_TEXT("buffer too small",
            "buffer too small: the packet does not fit the output buffer; give a bigger one"),
    MQ_TEXT("bad packet type",
            "bad packet type: the first byte names type 0 or 15, which MQTT 3.1.1 reserves; "
            "the peer does not speak MQTT 3.1.1 or the stream is out of step"),
    MQ_TEXT("bad fixed-header flags",
            "bad fixed-header flags: the low nibble of the first byte is not what the packet "
            "type requires (0x2 for PUBREL/SUBSCRIBE/UNSUBSCRIBE, 0 for others), or a PUBLISH "
            "has QoS 3 or DUP with QoS 0 (MQTT-2.2.2-2, MQTT-3.3.1-2, MQTT-3.3.1-4)"),
    MQ_TEXT("bad remaining length",
            "bad remaining length: the length field runs past 4 bytes, or is not the fixed "
            "length this packet type has (2 for CONNACK and acks, 0 for PING and DISCONNECT)"),
    MQ_TEXT("packet too large",
            "packet too large: the packet is longer than the maximum this side accepts (or has "
            "more than 65535 entries); raise the limit or send smaller packets"),
    MQ_TEXT("truncated field",
            "truncated field: a length-prefixed field or a fixed field runs past the end of "
            "the packet's remaining length"),
    MQ_TEXT("trailing bytes",
            "trailing bytes: the packet's remaining length is longer than its fields"),
    MQ_TEXT("bad UTF-8",
            "bad UTF-8: a string is not well-formed UTF-8 (overlong form, surrogate, cut "
            "sequence) or contains U+0000 (MQTT-1.5.3-1, -2)"),
    MQ_TEXT("bad topic name",
            "bad topic name: a topic name must be non-empty and must not contain '+' or '#' "
            "(MQTT-4.7.3-1, MQTT-3.3.2-2)"),
    MQ_TEXT("bad topic filter",
            "bad topic filter: a filter must be non-empty, '#' must be alone in the last "
            "level and '+' alone in its level, e.g. \"a/+/c\" or \"a/#\" (MQTT-4.7.1-2, -3)"),
    MQ_TEXT("bad QoS",
            "bad QoS: a QoS must be 0, 1 or 2, and the reserved upper bits of a requested QoS "
            "byte must be zero (MQTT-3.8.3-4)"),
    MQ_TEXT("bad protocol name",
            "bad protocol name: CONNECT must name the protocol \"MQTT\" (MQTT-3.1.2-1); "
            "\"MQIsdp\" is MQTT 3.1, which this codec does not speak"),
    MQ_TEXT("unsupported protocol level",
            "unsupported protocol level: CONNECT asks for an MQTT version other than 3.1.1 "
            "(level 4); the server answers CONNACK 0x01 (MQTT-3.1.2-2)"),
    MQ_TEXT("bad CONNECT flags",
            "bad CONNECT flags: the reserved bit is set (MQTT-3.1.2-3), will QoS or retain "
            "are set without the will flag (MQTT-3.1.2-13, -15), or a password is given "
            "without a user name (MQTT-3.1.2-22)"),
    MQ_TEXT("bad packet identifier",
            "bad packet identifier: packets that carry an identifier must use a non-zero one "
            "(MQTT-2.3.1-1)"),
    MQ_TEXT("no topic filters",
            "no topic filters: SUBSCRIBE and UNSUBSCRIBE must carry at least one filter and "
            "SUBACK at least one return code (MQTT-3.8.3-3, MQTT-3.10.3-2)"),
    MQ_TEXT("bad CONNACK",
            "bad CONNACK: reserved bits are set, the return code is above 5, or session "
            "present is set with a refusal (MQTT-3.2.2-4)"),
    MQ_TEXT("bad SUBACK return code",
            "bad SUBACK return code: each must be 0, 1, 2 or 0x80 (MQTT-3.9.3-2)"),
    MQ_TEXT("string too long",
            "string too long: an MQTT string or binary field holds at most 65535 bytes"),
};

const char *moat_mqtt_strerror(moat_mqtt_status s)
{
    size_t i = (size_t)s;
    if (i >= sizeof status_text / sizeof status_text[0])
        return "unknown MQTT codec status";
    return status_text[i];
}

static const char *const type_names[16] = {
    "reserved", "CONNECT",  "CONNACK",    "PUBLISH",  "PUBACK",      "PUBREC",
    "PUBREL",   "PUBCOMP",  "SUBSCRIBE",  "SUBACK",   "UNSUBSCRIBE", "UNSUBACK",
    "PINGREQ",  "PINGRESP", "DISCONNECT", "reserved",
};

const char *moat_mqtt_type_name(uint8_t type)
{
    if (type > 15)
        return "reserved";
    return type_names[type];
}

static const char *const connack_names[] = {
    "accepted (0)",           "unacceptable protocol version (1)", "identifier rejected (2)",
    "server unavailable (3)", "bad user name or password (4)",     "not authorized (5)",
};

const char *moat_mqtt_connack_name(uint8_t return_code)
{
    if (return_code >= sizeof connack_names / sizeof connack_names[0])
        return "unknown";
    return connack_names[return_code];
}
