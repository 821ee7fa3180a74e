/* atecc_zone.c - Read and Write of the config, OTP and data zones: single 4/32-byte accesses,
 * whole slots split into blocks and words, the config image, the serial number. */
#include <string.h>

#include "device/atecc/atecc_internal.h"

/* Number of 32-byte blocks a zone/slot spans (the last may be partial). */
static size_t zone_size(uint8_t zone, uint8_t slot)
{
    switch (zone) {
    case MOAT_ATECC_ZONE_CONFIG:
        return MOAT_ATECC_CONFIG_SIZE;
    case MOAT_ATECC_ZONE_OTP:
        return MOAT_ATECC_OTP_SIZE;
    case MOAT_ATECC_ZONE_DATA:
        return moat_atecc_slot_size(slot);
    default:
        return 0;
    }
}

/* Checks that a 4/32-byte access at (block, word) lies inside the zone or slot. A 32-byte
 * access may start in the partial last block of a slot (cryptoauthlib reads/writes public
 * keys in 72-byte slots as three 32-byte blocks). */
static bool access_ok(uint8_t zone, uint8_t slot, uint8_t block, uint8_t word, size_t len)
{
    size_t size = zone_size(zone, slot);
    if (size == 0 || (len != 4 && len != 32) || word > 7 || (len == 32 && word != 0))
        return false;
    size_t start = (size_t)block * 32u + (size_t)word * 4u;
    return start < size && (len == 32 || start + 4 <= size);
}

static uint8_t rw_mode(uint8_t zone, size_t len)
{
    return (uint8_t)(zone | (len == 32 ? 0x80u : 0u)); /* bit 7: 32-byte access */
}

moat_atecc_status moat_atecc_read_zone(moat_atecc *dev, uint8_t zone, uint8_t slot, uint8_t block,
                                       uint8_t word, uint8_t *out, size_t len)
{
    if (!access_ok(zone, slot, block, word, len))
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_READ, rw_mode(zone, len),
                                 moat_atecc_addr(zone, slot, block, word), NULL, 0, out, len);
}

moat_atecc_status moat_atecc_write_zone(moat_atecc *dev, uint8_t zone, uint8_t slot, uint8_t block,
                                        uint8_t word, const uint8_t *data, size_t len)
{
    if (!access_ok(zone, slot, block, word, len))
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_WRITE, rw_mode(zone, len),
                                 moat_atecc_addr(zone, slot, block, word), data, len, NULL, 0);
}

static moat_atecc_status read_blocks(moat_atecc *dev, uint8_t zone, uint8_t *out, size_t len)
{
    for (uint8_t b = 0; (size_t)b * 32u < len; b++) {
        moat_atecc_status st = moat_atecc_read_zone(dev, zone, 0, b, 0, out + b * 32u, 32);
        if (st != MOAT_ATECC_OK)
            return st;
    }
    return MOAT_ATECC_OK;
}

moat_atecc_status moat_atecc_read_config(moat_atecc *dev, uint8_t config[128])
{
    return read_blocks(dev, MOAT_ATECC_ZONE_CONFIG, config, MOAT_ATECC_CONFIG_SIZE);
}

moat_atecc_status moat_atecc_read_otp(moat_atecc *dev, uint8_t otp[64])
{
    return read_blocks(dev, MOAT_ATECC_ZONE_OTP, otp, MOAT_ATECC_OTP_SIZE);
}

moat_atecc_status moat_atecc_read_serial(moat_atecc *dev, uint8_t serial[9])
{
    uint8_t config[128] = {0};
    moat_atecc_status st = moat_atecc_read_zone(dev, MOAT_ATECC_ZONE_CONFIG, 0, 0, 0, config, 32);
    if (st == MOAT_ATECC_OK)
        moat_atecc_serial_from_config(config, serial);
    return st;
}

moat_atecc_status moat_atecc_read_locks(moat_atecc *dev, moat_atecc_lock_state *out)
{
    uint8_t config[128] = {0};
    moat_atecc_status st =
        moat_atecc_read_zone(dev, MOAT_ATECC_ZONE_CONFIG, 0, 2, 0, config + 64, 32);
    if (st == MOAT_ATECC_OK)
        moat_atecc_decode_locks(config, out);
    return st;
}

moat_atecc_status moat_atecc_write_config(moat_atecc *dev, const uint8_t config[128])
{
    /* Words 0-3 (serial, revision) are factory-set; word 21 (bytes 84-87: UserExtra,
     * UserExtraAdd, LockValue, LockConfig) changes only through UpdateExtra and Lock. Blocks 1
     * and 3 go whole, the rest word by word. */
    moat_atecc_status st = MOAT_ATECC_OK;
    for (uint8_t w = 4; w < 32 && st == MOAT_ATECC_OK; w++) {
        uint8_t block = (uint8_t)(w / 8), word = (uint8_t)(w % 8);
        if (block == 1 || block == 3) {
            if (word == 0)
                st = moat_atecc_write_zone(dev, MOAT_ATECC_ZONE_CONFIG, 0, block, 0,
                                           config + block * 32u, 32);
            continue;
        }
        if (w == 21)
            continue;
        st = moat_atecc_write_zone(dev, MOAT_ATECC_ZONE_CONFIG, 0, block, word, config + w * 4u, 4);
    }
    return st;
}

moat_atecc_status moat_atecc_read_slot(moat_atecc *dev, uint8_t slot, uint8_t *out, size_t len)
{
    size_t size = moat_atecc_slot_size(slot);
    if (size == 0 || len > size)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    uint8_t tmp[32];
    size_t off = 0;
    while (off < len) {
        uint8_t block = (uint8_t)(off / 32u), word = (uint8_t)((off % 32u) / 4u);
        /* Whole blocks inside the slot in one read; the partial last block (bytes 32-35 of
         * slots 0-7, 64-71 of slots 9-15) in 4-byte words, which are always valid. */
        size_t n = (word == 0 && off + 32u <= size) ? 32u : 4u;
        moat_atecc_status st =
            moat_atecc_read_zone(dev, MOAT_ATECC_ZONE_DATA, slot, block, word, tmp, n);
        if (st != MOAT_ATECC_OK)
            return st;
        size_t take = len - off < n ? len - off : n;
        memcpy(out + off, tmp, take);
        off += n;
    }
    return MOAT_ATECC_OK;
}

moat_atecc_status moat_atecc_write_slot(moat_atecc *dev, uint8_t slot, const uint8_t *data,
                                        size_t len, bool data_locked)
{
    size_t size = moat_atecc_slot_size(slot);
    if (size == 0 || len > size)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    uint8_t tmp[32];
    size_t off = 0;
    while (off < len) {
        uint8_t block = (uint8_t)(off / 32u), word = (uint8_t)((off % 32u) / 4u);
        size_t left = len - off;
        /* Before the data lock the chip takes only 32-byte writes: a tail is padded. */
        size_t n = (word == 0 && (left >= 32u || !data_locked)) ? 32u : 4u;
        memset(tmp, 0, sizeof tmp);
        memcpy(tmp, data + off, left < n ? left : n);
        moat_atecc_status st =
            moat_atecc_write_zone(dev, MOAT_ATECC_ZONE_DATA, slot, block, word, tmp, n);
        if (st != MOAT_ATECC_OK)
            return st;
        off += n;
    }
    return MOAT_ATECC_OK;
}
