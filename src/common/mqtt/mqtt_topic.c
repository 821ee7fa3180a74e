/* mqtt_topic.c - MQTT string rules: UTF-8 well-formedness, topic names, topic filters, and
 * matching a topic name against a filter (MQTT 3.1.1 sections 1.5.3 and 4.7). */
#include "moat/mqtt_codec.h"

#include <string.h>

/* Length of the well-formed UTF-8 sequence at s[0..len), or 0 if it is not well-formed
 * (RFC 3629 table: overlongs, surrogates U+D800..DFFF and code points above U+10FFFF are
 * rejected) or is U+0000 (MQTT-1.5.3-2). */
static size_t utf8_seq_len(const uint8_t *s, size_t len)
{
    uint8_t b = s[0];
    uint8_t lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    size_t n;

    if (b == 0x00)
        return 0;
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3;
        if (b == 0xE0)
            lo = 0xA0; /* below: overlong */
        else if (b == 0xED)
            hi = 0x9F; /* above: UTF-16 surrogates, MQTT-1.5.3-1 */
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4;
        if (b == 0xF0)
            lo = 0x90; /* below: overlong */
        else if (b == 0xF4)
            hi = 0x8F; /* above: beyond U+10FFFF */
    } else {
        return 0; /* continuation byte, 0xC0/0xC1 overlong lead, or 0xF5..0xFF */
    }
    if (len < n)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return n;
}

moat_mqtt_status moat_mqtt_validate_utf8(const uint8_t *s, size_t len)
{
    if (s == NULL && len > 0)
        return MOAT_MQTT_ERR_ARGUMENT;
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_seq_len(s + i, len - i);
        if (n == 0)
            return MOAT_MQTT_ERR_BAD_UTF8;
        i += n;
    }
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_validate_topic_name(const uint8_t *s, size_t len)
{
    if (s == NULL && len > 0)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (len == 0 || len > 65535u)
        return MOAT_MQTT_ERR_BAD_TOPIC; /* MQTT-4.7.3-1 */
    moat_mqtt_status st = moat_mqtt_validate_utf8(s, len);
    if (st != MOAT_MQTT_OK)
        return st;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+' || s[i] == '#')
            return MOAT_MQTT_ERR_BAD_TOPIC; /* MQTT-3.3.2-2 */
    }
    return MOAT_MQTT_OK;
}

moat_mqtt_status moat_mqtt_validate_topic_filter(const uint8_t *s, size_t len)
{
    if (s == NULL && len > 0)
        return MOAT_MQTT_ERR_ARGUMENT;
    if (len == 0 || len > 65535u)
        return MOAT_MQTT_ERR_BAD_FILTER; /* MQTT-4.7.3-1 */
    moat_mqtt_status st = moat_mqtt_validate_utf8(s, len);
    if (st != MOAT_MQTT_OK)
        return st;
    for (size_t i = 0; i < len; i++) {
        bool level_start = (i == 0 || s[i - 1] == '/');
        bool level_end = (i + 1 == len || s[i + 1] == '/');
        if (s[i] == '#' && !(level_start && i + 1 == len))
            return MOAT_MQTT_ERR_BAD_FILTER; /* MQTT-4.7.1-2: alone, and last */
        if (s[i] == '+' && !(level_start && level_end))
            return MOAT_MQTT_ERR_BAD_FILTER; /* MQTT-4.7.1-3: alone in its level */
    }
    return MOAT_MQTT_OK;
}

/* Index of the end of the level starting at i: the next '/' or len. */
static size_t level_end(const uint8_t *s, size_t len, size_t i)
{
    while (i < len && s[i] != '/')
        i++;
    return i;
}

bool moat_mqtt_topic_matches(const uint8_t *filter, size_t filter_len, const uint8_t *topic,
                             size_t topic_len)
{
    if (filter == NULL || topic == NULL || filter_len == 0 || topic_len == 0)
        return false;
    /* MQTT-4.7.2-1: "#" and "+/..." must not match "$SYS/..." and other $-topics. */
    if (topic[0] == '$' && (filter[0] == '#' || filter[0] == '+'))
        return false;

    size_t fi = 0, ti = 0;
    for (;;) {
        /* fi and ti are at the start of a level; either level may be empty. */
        if (fi < filter_len && filter[fi] == '#')
            return true; /* matches this level and everything below */
        size_t fe = level_end(filter, filter_len, fi);
        size_t te = level_end(topic, topic_len, ti);
        bool plus = (fe - fi == 1 && filter[fi] == '+'); /* '+' matches empty levels too */
        if (!plus && (fe - fi != te - ti || memcmp(filter + fi, topic + ti, fe - fi) != 0))
            return false;
        fi = fe;
        ti = te;
        if (fi == filter_len)
            return ti == topic_len;
        if (ti == topic_len) {
            /* "sport/#" also matches the parent level "sport" (MQTT 4.7.1.2). */
            return filter_len - fi == 2 && filter[fi + 1] == '#';
        }
        fi++; /* both at '/' */
        ti++;
    }
}
