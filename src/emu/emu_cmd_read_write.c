/* emu_cmd_read_write.c - Read (0x02) and Write (0x12) of the config, OTP and data zones in
 * 4- or 32-byte units, with the chip's lock and SlotConfig/KeyConfig rules. */
#include <string.h>

#include "emu/emu_internal.h"

#define ZONE_32_BYTES 0x80u
#define WRITE_ENCRYPTED 0x40u

/* Clear reads: config always; OTP and data only after the data lock (cryptoauthlib:
 * "data zone must be locked and the slot configuration must not be secret"). Private keys
 * and secret slots never come out in clear; encrypted reads need a GenDig TempKey, which is
 * not emulated, so they fail as they would on a chip without one. */
static uint8_t read_allowed(moat_emu *emu, const emu_addr *a)
{
    const uint8_t *cfg = moat_emu_config(emu);
    if (a->zone == MOAT_ATECC_ZONE_CONFIG)
        return MOAT_ATECC_STATUS_SUCCESS;
    if (!moat_emu_data_locked(cfg))
        return MOAT_ATECC_STATUS_EXECUTION;
    if (a->zone == MOAT_ATECC_ZONE_OTP)
        return MOAT_ATECC_STATUS_SUCCESS;
    if (EMU_KC_PRIVATE(moat_emu_key_config(cfg, a->slot)) ||
        EMU_SC_IS_SECRET(moat_emu_slot_config(cfg, a->slot)))
        return MOAT_ATECC_STATUS_EXECUTION;
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t moat_emu_cmd_read(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    if (cmd->data_len != 0 || (cmd->param1 & ~0x83u) != 0)
        return MOAT_ATECC_STATUS_PARSE;
    emu_addr a;
    uint8_t st = moat_emu_decode_addr(cmd->param1, cmd->param2, &a);
    if (st == MOAT_ATECC_STATUS_SUCCESS)
        st = read_allowed(emu, &a);
    if (st != MOAT_ATECC_STATUS_SUCCESS)
        return st;
    /* A 32-byte read of a slot's partial last block returns zeros past the slot's end. */
    memset(rsp, 0, a.len);
    memcpy(rsp, moat_emu_zone_ptr(emu, &a), a.avail);
    *rsp_len = a.len;
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* Config writes: only while unlocked; bytes 0-15 (serial, revision, fixed options) are
 * read-only and bytes 84-87 change only through UpdateExtra and Lock. */
static uint8_t config_write_allowed(const uint8_t *cfg, const emu_addr *a)
{
    size_t end = a->offset + a->avail;
    if (moat_emu_config_locked(cfg))
        return MOAT_ATECC_STATUS_EXECUTION;
    if (a->offset < 16 || (a->offset < 88 && end > 84))
        return MOAT_ATECC_STATUS_EXECUTION;
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* Data/OTP writes need the config lock. Before the data lock: 32-byte writes only, to any
 * slot but a private key (GenKey/PrivWrite write those). After it: OTP is read-only and a
 * slot takes clear writes only when WriteConfig is Always (0000) and it is not slot-locked. */
static uint8_t data_write_allowed(const uint8_t *cfg, const emu_addr *a)
{
    if (!moat_emu_config_locked(cfg))
        return MOAT_ATECC_STATUS_EXECUTION;
    bool data_locked = moat_emu_data_locked(cfg);
    if (a->zone == MOAT_ATECC_ZONE_OTP)
        return (!data_locked && a->len == 32) ? MOAT_ATECC_STATUS_SUCCESS
                                              : MOAT_ATECC_STATUS_EXECUTION;
    if (EMU_KC_PRIVATE(moat_emu_key_config(cfg, a->slot)))
        return MOAT_ATECC_STATUS_EXECUTION;
    if (!data_locked)
        return a->len == 32 ? MOAT_ATECC_STATUS_SUCCESS : MOAT_ATECC_STATUS_EXECUTION;
    if (moat_emu_slot_locked(cfg, a->slot) ||
        EMU_SC_WRITE_CONFIG(moat_emu_slot_config(cfg, a->slot)) != 0)
        return MOAT_ATECC_STATUS_EXECUTION;
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t moat_emu_cmd_write(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    (void)rsp;
    (void)rsp_len;
    if ((cmd->param1 & ~0xC3u) != 0)
        return MOAT_ATECC_STATUS_PARSE;
    size_t len = (cmd->param1 & ZONE_32_BYTES) ? 32u : 4u;
    size_t mac = (cmd->param1 & WRITE_ENCRYPTED) ? 32u : 0u;
    if (cmd->data_len != len + mac)
        return MOAT_ATECC_STATUS_PARSE;
    emu_addr a;
    uint8_t st = moat_emu_decode_addr(cmd->param1, cmd->param2, &a);
    if (st != MOAT_ATECC_STATUS_SUCCESS)
        return st;
    /* Encrypted writes need a TempKey from GenDig, which is not emulated. */
    if (mac != 0)
        return MOAT_ATECC_STATUS_EXECUTION;
    const uint8_t *cfg = moat_emu_config(emu);
    st = a.zone == MOAT_ATECC_ZONE_CONFIG ? config_write_allowed(cfg, &a)
                                          : data_write_allowed(cfg, &a);
    if (st != MOAT_ATECC_STATUS_SUCCESS)
        return st;
    /* Bytes of a 32-byte write past the end of a slot are dropped. */
    memcpy(moat_emu_zone_ptr(emu, &a), cmd->data, a.avail);
    moat_emu_image_save(emu);
    return MOAT_ATECC_STATUS_SUCCESS;
}
