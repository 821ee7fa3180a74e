/* emu_cmd_lock_counter.c - Lock (config zone, data+OTP zones with the summary CRC, single
 * slot) and Counter (read / increment of the two monotonic counters kept in the config zone). */
#include <string.h>

#include "emu/emu_internal.h"

#define LOCK_ZONE_CONFIG 0u
#define LOCK_ZONE_DATA 1u
#define LOCK_ZONE_SLOT 2u
#define LOCK_NO_CRC 0x80u

/* param2 carries the CRC as atCRC's two bytes, low byte first (docs/atecc608.md). */
static bool summary_crc_matches(const uint8_t *bytes, size_t len, uint16_t param2)
{
    uint8_t crc[2];
    moat_atecc_crc(bytes, len, crc);
    return (uint16_t)(crc[0] | (crc[1] << 8)) == param2;
}

static uint8_t lock_config(moat_emu *emu, const moat_atecc_cmd *cmd)
{
    uint8_t *cfg = moat_emu_config(emu);
    if (moat_emu_config_locked(cfg))
        return MOAT_ATECC_STATUS_EXECUTION;
    if (!(cmd->param1 & LOCK_NO_CRC) &&
        !summary_crc_matches(cfg, MOAT_ATECC_CONFIG_SIZE, cmd->param2))
        return MOAT_ATECC_STATUS_EXECUTION;
    cfg[EMU_CFG_LOCK_CONFIG] = 0x00;
    moat_emu_image_save(emu);
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* The data summary CRC runs over every slot in order, skipping private-key slots, then OTP. */
static uint8_t lock_data(moat_emu *emu, const moat_atecc_cmd *cmd)
{
    uint8_t *cfg = moat_emu_config(emu);
    if (!moat_emu_config_locked(cfg) || moat_emu_data_locked(cfg))
        return MOAT_ATECC_STATUS_EXECUTION;
    if (!(cmd->param1 & LOCK_NO_CRC)) {
        uint8_t all[EMU_DATA_SIZE + MOAT_ATECC_OTP_SIZE];
        size_t n = 0;
        for (uint8_t s = 0; s < MOAT_ATECC_SLOTS; s++) {
            if (EMU_KC_PRIVATE(moat_emu_key_config(cfg, s)))
                continue;
            memcpy(all + n, moat_emu_slot(emu, s), moat_atecc_slot_size(s));
            n += moat_atecc_slot_size(s);
        }
        memcpy(all + n, moat_emu_otp(emu), MOAT_ATECC_OTP_SIZE);
        n += MOAT_ATECC_OTP_SIZE;
        if (!summary_crc_matches(all, n, cmd->param2))
            return MOAT_ATECC_STATUS_EXECUTION;
    }
    cfg[EMU_CFG_LOCK_VALUE] = 0x00;
    moat_emu_image_save(emu);
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* A slot lock needs the data lock, KeyConfig.Lockable, and a slot not locked already. */
static uint8_t lock_slot(moat_emu *emu, uint8_t slot)
{
    uint8_t *cfg = moat_emu_config(emu);
    if (!moat_emu_data_locked(cfg) || !EMU_KC_LOCKABLE(moat_emu_key_config(cfg, slot)) ||
        moat_emu_slot_locked(cfg, slot))
        return MOAT_ATECC_STATUS_EXECUTION;
    cfg[EMU_CFG_SLOT_LOCKED + slot / 8] &= (uint8_t) ~(1u << (slot % 8));
    moat_emu_image_save(emu);
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t moat_emu_cmd_lock(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    (void)rsp;
    (void)rsp_len;
    unsigned zone = cmd->param1 & 0x03u;
    uint8_t slot = (uint8_t)((cmd->param1 >> 2) & 0x0Fu);
    if (cmd->data_len != 0 || (cmd->param1 & 0x40u) || zone == 3u)
        return MOAT_ATECC_STATUS_PARSE;
    if (zone != LOCK_ZONE_SLOT && slot != 0)
        return MOAT_ATECC_STATUS_PARSE;
    if (zone == LOCK_ZONE_CONFIG)
        return lock_config(emu, cmd);
    if (zone == LOCK_ZONE_DATA)
        return lock_data(emu, cmd);
    return lock_slot(emu, slot);
}

/* ---- Counter ---- */
#define COUNTER_MAX 2097151u

static unsigned popcount16(unsigned v)
{
    unsigned n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Config encoding (cryptoauthlib calib_write_config_counter): lin_a, lin_b, bin_a, bin_b, each
 * 16-bit big-endian, with lin_a = 0xFFFF >> (v % 32), lin_b = 0xFFFF >> ((v - 16) % 32) for
 * v >= 16, bin_a = v / 32, bin_b = (v - 16) / 32. */
uint32_t moat_emu_counter_value(const uint8_t *config, uint8_t id)
{
    const uint8_t *p = config + EMU_CFG_COUNTER0 + 8u * id;
    unsigned lin_a = (unsigned)(p[0] << 8) | p[1];
    unsigned lin_b = (unsigned)(p[2] << 8) | p[3];
    uint32_t bin_a = (uint32_t)(p[4] << 8) | p[5];
    unsigned rem = lin_a != 0 ? 16u - popcount16(lin_a) : 32u - popcount16(lin_b);
    uint32_t v = bin_a * 32u + rem;
    return v > COUNTER_MAX ? COUNTER_MAX : v;
}

static void counter_store(uint8_t *config, uint8_t id, uint32_t v)
{
    uint8_t *p = config + EMU_CFG_COUNTER0 + 8u * id;
    unsigned lin_a = 0xFFFFu >> (v % 32u);
    unsigned lin_b = 0xFFFFu >> (v >= 16u ? (v - 16u) % 32u : 0u);
    uint32_t bin_a = v / 32u;
    uint32_t bin_b = v >= 16u ? (v - 16u) / 32u : 0u;
    const unsigned f[4] = {lin_a, lin_b, (unsigned)bin_a, (unsigned)bin_b};
    for (unsigned i = 0; i < 4; i++) {
        p[2 * i] = (uint8_t)((f[i] >> 8) & 0xFFu);
        p[2 * i + 1] = (uint8_t)(f[i] & 0xFFu);
    }
}

uint8_t moat_emu_cmd_counter(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp,
                             size_t *rsp_len)
{
    if (cmd->data_len != 0 || cmd->param1 > 1 || cmd->param2 > 1)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t id = (uint8_t)cmd->param2;
    uint8_t *cfg = moat_emu_config(emu);
    uint32_t v = moat_emu_counter_value(cfg, id);
    if (cmd->param1 == 1) {
        if (v >= COUNTER_MAX)
            return MOAT_ATECC_STATUS_EXECUTION; /* counting past the maximum is an error */
        v++;
        counter_store(cfg, id, v);
        moat_emu_image_save(emu);
    }
    for (unsigned i = 0; i < 4; i++) /* little-endian */
        rsp[i] = (uint8_t)((v >> (8 * i)) & 0xFFu);
    *rsp_len = 4;
    return MOAT_ATECC_STATUS_SUCCESS;
}
