/* atecc_cmds.c - the chip's housekeeping commands: Info, Random, Nonce, SHA, Lock, Counter,
 * SelfTest, UpdateExtra. Parameters as in docs/atecc608.md "Commands". */
#include <string.h>

#include "device/atecc/atecc_internal.h"

moat_atecc_status moat_atecc_fail(moat_atecc *dev, moat_atecc_status s)
{
    if (s != MOAT_ATECC_OK)
        dev->last_error = s;
    return s;
}

moat_atecc_status moat_atecc_exec_fixed(moat_atecc *dev, uint8_t opcode, uint8_t param1,
                                        uint16_t param2, const uint8_t *data, size_t data_len,
                                        uint8_t *out, size_t want)
{
    uint8_t rsp[MOAT_ATECC_RSP_MAX];
    size_t len = 0;
    moat_atecc_status st = moat_atecc_execute(dev, opcode, param1, param2, data, data_len, rsp,
                                              sizeof rsp, &len, false);
    if (st != MOAT_ATECC_OK)
        return st;
    if (len != want)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_LENGTH);
    if (want > 0)
        memcpy(out, rsp, want);
    return MOAT_ATECC_OK;
}

/* ---- Info ---- */

moat_atecc_status moat_atecc_info(moat_atecc *dev, uint8_t mode, uint16_t param2, uint8_t out[4])
{
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_INFO, mode, param2, NULL, 0, out, 4);
}

moat_atecc_status moat_atecc_info_revision(moat_atecc *dev, uint8_t rev[4])
{
    return moat_atecc_info(dev, 0x00, 0, rev);
}

moat_atecc_status moat_atecc_info_key_valid(moat_atecc *dev, uint8_t slot, bool *valid)
{
    if (slot >= MOAT_ATECC_SLOTS)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    uint8_t out[4];
    moat_atecc_status st = moat_atecc_info(dev, 0x01, slot, out);
    if (st == MOAT_ATECC_OK)
        *valid = out[0] == 1;
    return st;
}

/* ---- Random, Nonce ---- */

moat_atecc_status moat_atecc_random(moat_atecc *dev, uint8_t out[32])
{
    /* mode 0: update the seed first, as cryptoauthlib does */
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_RANDOM, 0x00, 0, NULL, 0, out, 32);
}

moat_atecc_status moat_atecc_nonce_random(moat_atecc *dev, const uint8_t num_in[20],
                                          uint8_t rand_out[32])
{
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_NONCE, 0x00, 0, num_in, 20, rand_out, 32);
}

moat_atecc_status moat_atecc_nonce_load(moat_atecc *dev, moat_atecc_target target,
                                        const uint8_t *data, size_t len)
{
    if (len != 32 && len != 64)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    /* pass-through = mode bits 1:0 = 3; bit 5 = 64-byte input; bits 7:6 = target */
    uint8_t mode = (uint8_t)(0x03u | (len == 64 ? 0x20u : 0u) | (unsigned)target);
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_NONCE, mode, 0, data, len, NULL, 0);
}

/* ---- SHA ---- */

moat_atecc_status moat_atecc_sha_start(moat_atecc *dev)
{
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_SHA, 0x00, 0, NULL, 0, NULL, 0);
}

moat_atecc_status moat_atecc_sha_update(moat_atecc *dev, const uint8_t block[64])
{
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_SHA, 0x01, 64, block, 64, NULL, 0);
}

moat_atecc_status moat_atecc_sha_end(moat_atecc *dev, const uint8_t *tail, size_t len,
                                     uint8_t digest[32])
{
    if (len > 63)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_SHA, 0x02, (uint16_t)len, tail, len, digest,
                                 32);
}

moat_atecc_status moat_atecc_sha_public(moat_atecc *dev, uint8_t slot)
{
    if (slot >= MOAT_ATECC_SLOTS)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_SHA, 0x03, slot, NULL, 0, NULL, 0);
}

moat_atecc_status moat_atecc_sha256(moat_atecc *dev, const uint8_t *msg, size_t len,
                                    uint8_t digest[32])
{
    /* The SHA context is volatile: keep the chip awake for the whole sequence. */
    bool was_held = dev->hold;
    moat_atecc_hold(dev, true);
    moat_atecc_status st = moat_atecc_sha_start(dev);
    size_t off = 0;
    while (st == MOAT_ATECC_OK && len - off >= 64) {
        st = moat_atecc_sha_update(dev, msg + off);
        off += 64;
    }
    if (st == MOAT_ATECC_OK)
        st = moat_atecc_sha_end(dev, msg + off, len - off, digest);
    moat_atecc_hold(dev, was_held);
    return st;
}

/* ---- Lock ---- */

moat_atecc_status moat_atecc_lock_config(moat_atecc *dev, uint16_t crc)
{
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_LOCK, 0x00, crc, NULL, 0, NULL, 0);
}

/* Locks with the CRC of what the chip returns, not of what the caller meant to write: the
 * chip compares the CRC with its own image, so a write that did not take refuses the lock. */
moat_atecc_status moat_atecc_lock_config_zone(moat_atecc *dev)
{
    uint8_t config[128];
    moat_atecc_status st = moat_atecc_read_config(dev, config);
    if (st != MOAT_ATECC_OK)
        return st;
    moat_atecc_lock_state locks;
    moat_atecc_decode_locks(config, &locks);
    if (locks.config_locked)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_LOCKED);
    return moat_atecc_lock_config(dev, moat_atecc_lock_crc(config, sizeof config));
}

moat_atecc_status moat_atecc_lock_data(moat_atecc *dev, bool check_crc, uint16_t crc)
{
    /* bit 7 of the mode = ignore the summary CRC */
    uint8_t mode = check_crc ? 0x01 : 0x81;
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_LOCK, mode, check_crc ? crc : 0, NULL, 0, NULL,
                                 0);
}

moat_atecc_status moat_atecc_lock_slot(moat_atecc *dev, uint8_t slot)
{
    if (slot >= MOAT_ATECC_SLOTS)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    uint8_t mode = (uint8_t)(0x02u | ((unsigned)slot << 2));
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_LOCK, mode, 0, NULL, 0, NULL, 0);
}

uint16_t moat_atecc_lock_crc(const uint8_t *data, size_t len)
{
    uint8_t crc[2];
    moat_atecc_crc(data, len, crc);
    return (uint16_t)(crc[0] | (crc[1] << 8));
}

/* ---- Counter, SelfTest, UpdateExtra ---- */

moat_atecc_status moat_atecc_counter(moat_atecc *dev, uint8_t id, bool increment, uint32_t *value)
{
    if (id > 1)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    uint8_t out[4];
    moat_atecc_status st = moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_COUNTER,
                                                 increment ? 0x01 : 0x00, id, NULL, 0, out, 4);
    if (st == MOAT_ATECC_OK) /* little-endian on the 608 */
        *value = (uint32_t)out[0] | ((uint32_t)out[1] << 8) | ((uint32_t)out[2] << 16) |
                 ((uint32_t)out[3] << 24);
    return st;
}

moat_atecc_status moat_atecc_selftest(moat_atecc *dev, uint8_t mode, uint8_t *failed)
{
    /* The result byte sits where a status would: read it raw. */
    uint8_t rsp[MOAT_ATECC_RSP_MAX];
    size_t len = 0;
    moat_atecc_status st = moat_atecc_execute(dev, MOAT_ATECC_OP_SELFTEST, mode, 0, NULL, 0, rsp,
                                              sizeof rsp, &len, true);
    if (st != MOAT_ATECC_OK)
        return st;
    if (len != 1)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_LENGTH);
    /* Result bits (0x01 RNG, 0x02 ECDSA, 0x08 ECDH, 0x10 AES, 0x20 SHA) can only be among
     * the tests requested: any other bit makes the byte a status (0x03 parse, 0x0F execution).
     * A status whose bits are all requested tests stays ambiguous (cryptoauthlib's caveat). */
    if ((rsp[0] & ~(unsigned)mode) != 0)
        return moat_atecc_fail(dev, moat_atecc_status_from_chip(rsp[0]));
    *failed = rsp[0];
    return MOAT_ATECC_OK;
}

moat_atecc_status moat_atecc_update_extra(moat_atecc *dev, uint8_t which, uint8_t value)
{
    if (which > 1)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_UPDATEEXTRA, which, value, NULL, 0, NULL, 0);
}
