/* atecc_config.c - decodes a config-zone image: lock states, serial number, and each slot's
 * SlotConfig/KeyConfig in words (bit fields: docs/se-cli.md "Reading `moat se config`"). */
#include <string.h>

#include "moat/atecc.h"

void moat_atecc_decode_locks(const uint8_t config[128], moat_atecc_lock_state *out)
{
    /* 0x55 = unlocked, anything else locked (cryptoauthlib calib_is_locked); SlotLocked bit n
     * is 0 when slot n is locked. */
    out->data_locked = config[86] != 0x55;
    out->config_locked = config[87] != 0x55;
    out->slot_locked = (uint16_t) ~(config[88] | (config[89] << 8));
}

void moat_atecc_serial_from_config(const uint8_t config[128], uint8_t serial[9])
{
    memcpy(serial, config, 4);
    memcpy(serial + 4, config + 8, 5);
}

uint16_t moat_atecc_slot_config(const uint8_t config[128], uint8_t slot)
{
    return (uint16_t)(config[20 + 2 * (slot & 15)] | (config[21 + 2 * (slot & 15)] << 8));
}

uint16_t moat_atecc_key_config(const uint8_t config[128], uint8_t slot)
{
    return (uint16_t)(config[96 + 2 * (slot & 15)] | (config[97 + 2 * (slot & 15)] << 8));
}

bool moat_atecc_slot_is_private(const uint8_t config[128], uint8_t slot)
{
    return (moat_atecc_key_config(config, slot) & 0x0001u) != 0;
}

/* Appends text to a bounded buffer, always NUL-terminated. */
typedef struct {
    char *buf;
    size_t cap, len;
} sbuf;

static void put(sbuf *b, const char *s)
{
    for (; *s && b->len + 1 < b->cap; s++)
        b->buf[b->len++] = *s;
    if (b->cap)
        b->buf[b->len] = '\0';
}

static void put_num(sbuf *b, unsigned v)
{
    char tmp[4] = {0};
    size_t i = 0;
    if (v >= 10)
        tmp[i++] = (char)('0' + v / 10);
    tmp[i] = (char)('0' + v % 10);
    put(b, tmp);
}

static const char *key_type(unsigned t)
{
    switch (t) {
    case 4:
        return "P-256";
    case 6:
        return "AES";
    case 7:
        return "data";
    default:
        return "legacy/reserved type";
    }
}

static void describe_private(sbuf *b, uint16_t sc)
{
    put(b, " private key; uses:");
    unsigned rk = sc & 0x0Fu;
    if (rk == 0)
        put(b, " none");
    if (rk & 1u)
        put(b, " external-sign");
    if (rk & 2u)
        put(b, " internal-sign");
    if (rk & 4u)
        put(b, " ECDH");
    if (rk & 8u)
        put(b, " (ECDH result to slot N+1)");
    put(b, "; never readable");
    put(b, (sc & 0x2000u) ? "; GenKey may replace it" : "; GenKey cannot replace it");
    if (sc & 0x4000u)
        put(b, "; encrypted PrivWrite allowed");
}

static void describe_write(sbuf *b, uint16_t sc)
{
    unsigned wc = (sc >> 12) & 0x0Fu;
    if (wc & 4u) {
        put(b, "; write encrypted with key ");
        put_num(b, (sc >> 8) & 0x0Fu);
    } else if (wc == 0) {
        put(b, "; write always");
    } else if (wc == 1) {
        put(b, "; write only while the public key is invalid (PubInvalid)");
    } else {
        put(b, "; write never");
    }
}

static void describe_data(sbuf *b, uint16_t sc)
{
    bool secret = (sc & 0x80u) != 0, enc = (sc & 0x40u) != 0;
    if (!secret)
        put(b, "; clear read");
    else if (enc) {
        put(b, "; encrypted read with key ");
        put_num(b, sc & 0x0Fu);
    } else {
        put(b, "; never readable (secret)");
    }
    describe_write(b, sc);
    if (sc & 0x20u)
        put(b, "; limited use");
}

size_t moat_atecc_describe_slot(const uint8_t config[128], uint8_t slot, char *out, size_t cap)
{
    sbuf b = {out, cap, 0};
    if (cap)
        out[0] = '\0';
    uint16_t sc = moat_atecc_slot_config(config, slot);
    uint16_t kc = moat_atecc_key_config(config, slot);
    put(&b, key_type((kc >> 2) & 7u));
    if (kc & 1u) {
        describe_private(&b, sc);
    } else {
        put(&b, ((kc >> 2) & 7u) == 4u ? " public key / data" : " slot");
        describe_data(&b, sc);
    }
    if (kc & 0x20u)
        put(&b, "; lockable");
    if (kc & 0x40u)
        put(&b, "; needs random nonce");
    if (kc & 0x80u) {
        put(&b, "; needs auth by key ");
        put_num(&b, (kc >> 8) & 0x0Fu);
    }
    if (kc & 0x1000u)
        put(&b, "; disabled unless persistent latch set");
    return b.len;
}
