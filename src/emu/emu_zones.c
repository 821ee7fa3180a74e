/* emu_zones.c - the emulated EEPROM: zone layout, factory-default image, config-zone decoding
 * (locks, SlotConfig/KeyConfig) and the Read/Write address encoding. */
#include <string.h>

#include "emu/emu_internal.h"

/* Data-zone offset of each slot: slots 0-7 are 36 bytes, slot 8 is 416, slots 9-15 are 72. */
static size_t slot_offset(uint8_t slot)
{
    if (slot <= 8)
        return (size_t)slot * 36u;
    return 8u * 36u + 416u + (size_t)(slot - 9u) * 72u;
}

uint8_t *moat_emu_config(moat_emu *emu)
{
    return emu->eeprom;
}

uint8_t *moat_emu_otp(moat_emu *emu)
{
    return emu->eeprom + MOAT_ATECC_CONFIG_SIZE;
}

uint8_t *moat_emu_slot(moat_emu *emu, uint8_t slot)
{
    return emu->eeprom + MOAT_ATECC_CONFIG_SIZE + MOAT_ATECC_OTP_SIZE + slot_offset(slot);
}

/* Factory default, documented byte for byte in docs/emulator.md. Bytes 0-31 follow the layout
 * of a factory-blank ATECC608 (serial 01 23 .. EE, I2C address 0xC0); the slot set-up is a
 * generic one: slots 0-2 P-256 private keys, everything else secret data. */
void moat_emu_factory_image(uint8_t eeprom[EMU_EEPROM_SIZE])
{
    static const uint8_t head[32] = {
        0x01, 0x23, 0x4D, 0x4F,       /* SN[0:3] */
        0x00, 0x00, 0x60, 0x03,       /* RevNum */
        0x41, 0x54, 0x53, 0x45, 0xEE, /* SN[4:8] */
        0x00,                         /* AES disabled: the emulator has no AES command */
        0x01,                         /* I2C mode */
        0x00, 0xC0,                   /* I2C address 0x60 (8-bit form) */
        0x00, 0x00,                   /* reserved, CountMatch */
        0x00,                         /* ChipMode: short watchdog, address from byte 16 */
        0x83, 0x20, 0x87, 0x20, 0x8F, 0x20, 0xC4, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, /* slots 0-5 */
    };
    memset(eeprom, 0, EMU_EEPROM_SIZE);
    uint8_t *cfg = eeprom;
    memcpy(cfg, head, sizeof head);
    for (unsigned s = 6; s < 16; s++) {
        cfg[EMU_CFG_SLOT_CONFIG + 2 * s] = 0x8F;
        cfg[EMU_CFG_SLOT_CONFIG + 2 * s + 1] = 0x8F;
    }
    /* Counters 0 and 1 at value 0. */
    for (unsigned c = 0; c < 2; c++)
        memset(cfg + EMU_CFG_COUNTER0 + 8 * c, 0xFF, 4);
    cfg[EMU_CFG_LOCK_VALUE] = 0x55;
    cfg[EMU_CFG_LOCK_CONFIG] = 0x55;
    cfg[EMU_CFG_SLOT_LOCKED] = 0xFF;
    cfg[EMU_CFG_SLOT_LOCKED + 1] = 0xFF;
    for (unsigned s = 0; s < 16; s++)
        cfg[EMU_CFG_KEY_CONFIG + 2 * s] = s < 3 ? 0x33 : 0x1C;
}

bool moat_emu_config_locked(const uint8_t *config)
{
    return config[EMU_CFG_LOCK_CONFIG] != 0x55;
}

bool moat_emu_data_locked(const uint8_t *config)
{
    return config[EMU_CFG_LOCK_VALUE] != 0x55;
}

/* SlotLocked: one bit per slot, 0 = locked. */
bool moat_emu_slot_locked(const uint8_t *config, uint8_t slot)
{
    unsigned bits = config[EMU_CFG_SLOT_LOCKED] | ((unsigned)config[EMU_CFG_SLOT_LOCKED + 1] << 8);
    return (bits & (1u << slot)) == 0;
}

uint16_t moat_emu_slot_config(const uint8_t *config, uint8_t slot)
{
    const uint8_t *p = config + EMU_CFG_SLOT_CONFIG + 2 * slot;
    return (uint16_t)(p[0] | (p[1] << 8));
}

uint16_t moat_emu_key_config(const uint8_t *config, uint8_t slot)
{
    const uint8_t *p = config + EMU_CFG_KEY_CONFIG + 2 * slot;
    return (uint16_t)(p[0] | (p[1] << 8));
}

bool moat_emu_is_p256_private(const uint8_t *config, uint8_t slot)
{
    uint16_t kc = moat_emu_key_config(config, slot);
    return EMU_KC_PRIVATE(kc) && EMU_KC_KEYTYPE(kc) == EMU_KEYTYPE_P256;
}

/* ChipMode bit 0 selects UserExtraAdd (byte 85) as the address, when it has been set. */
uint8_t moat_emu_i2c_address8(const uint8_t *config)
{
    if ((config[EMU_CFG_CHIP_MODE] & 0x01u) && config[EMU_CFG_USER_EXTRA_ADD] != 0)
        return config[EMU_CFG_USER_EXTRA_ADD];
    return config[EMU_CFG_I2C_ADDRESS];
}

/* Address encoding (data sheet "Address Encoding"): config uses Addr[4:3] block and Addr[2:0]
 * word, OTP Addr[3] block; data uses Addr[6:3] slot, Addr[11:8] block, Addr[2:0] word. A
 * 32-byte access ignores the word bits. Accesses outside the zone are parse errors. */
uint8_t moat_emu_decode_addr(uint8_t param1, uint16_t param2, emu_addr *out)
{
    memset(out, 0, sizeof *out);
    out->zone = (uint8_t)(param1 & 0x03u);
    out->len = (param1 & 0x80u) ? 32u : 4u;
    unsigned word = (out->len == 32u) ? 0u : (param2 & 0x07u);
    size_t size;
    unsigned block;
    switch (out->zone) {
    case MOAT_ATECC_ZONE_CONFIG:
        block = (param2 >> 3) & 0x03u;
        size = MOAT_ATECC_CONFIG_SIZE;
        break;
    case MOAT_ATECC_ZONE_OTP:
        block = (param2 >> 3) & 0x01u;
        size = MOAT_ATECC_OTP_SIZE;
        break;
    case MOAT_ATECC_ZONE_DATA:
        out->slot = (uint8_t)((param2 >> 3) & 0x0Fu);
        block = (param2 >> 8) & 0x0Fu;
        size = moat_atecc_slot_size(out->slot);
        break;
    default:
        return MOAT_ATECC_STATUS_PARSE;
    }
    out->offset = (size_t)block * 32u + (size_t)word * 4u;
    if (out->offset >= size)
        return MOAT_ATECC_STATUS_PARSE;
    out->avail = size - out->offset < out->len ? size - out->offset : out->len;
    /* Only 32-byte accesses may run past the end of a slot (the partial last block). */
    if (out->avail < out->len && out->len == 4u)
        return MOAT_ATECC_STATUS_PARSE;
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t *moat_emu_zone_ptr(moat_emu *emu, const emu_addr *a)
{
    switch (a->zone) {
    case MOAT_ATECC_ZONE_CONFIG:
        return moat_emu_config(emu) + a->offset;
    case MOAT_ATECC_ZONE_OTP:
        return moat_emu_otp(emu) + a->offset;
    default:
        return moat_emu_slot(emu, a->slot) + a->offset;
    }
}
