/* emu_cmd_info_random_nonce.c - Info (revision, KeyValid, State, VolatileKeyPermit), Random
 * (fixed pattern until the config zone is locked) and Nonce (random and pass-through). */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "emu/emu_internal.h"

#define INFO_REVISION 0x00
#define INFO_KEYVALID 0x01
#define INFO_STATE 0x02
#define INFO_VOLATILE_KEY_PERMIT 0x04

/* Info(Revision) of an ATECC608B: 00 00 60 03. */
static const uint8_t revision[4] = {0x00, 0x00, 0x60, 0x03};

/* TempKey/state register, bit layout as in the chip's Info State mode: [3:0] TempKey key ID
 * (0 here), [4] SourceFlag, [15] TempKey valid; the rest (GenDig/GenKey data, NoMac, AuthValid)
 * stay 0 because the commands that set them are not emulated. */
static void info_state(const moat_emu *emu, uint8_t out[4])
{
    unsigned state = 0;
    if (emu->tempkey.valid)
        state |= 0x8000u;
    if (emu->tempkey.valid && emu->tempkey.from_input)
        state |= 0x0010u;
    out[0] = (uint8_t)(state & 0xFFu);
    out[1] = (uint8_t)(state >> 8);
    out[2] = 0;
    out[3] = 0;
}

static uint8_t info_keyvalid(moat_emu *emu, uint16_t slot, uint8_t out[4])
{
    if (slot >= MOAT_ATECC_SLOTS)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t pub[64];
    memset(out, 0, 4);
    if (moat_emu_is_p256_private(moat_emu_config(emu), (uint8_t)slot) &&
        moat_emu_ec_public(moat_emu_slot(emu, (uint8_t)slot) + EMU_PRIV_OFFSET, pub) == 0)
        out[0] = 1;
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* VolatileKeyPermit: param2 bit 1 sets the latch to bit 0; it may only be set when config
 * byte 69 bit 7 enables the feature. Output byte 0 is the latch state. */
static uint8_t info_volatile_key(moat_emu *emu, uint16_t p2, uint8_t out[4])
{
    if (p2 > 3)
        return MOAT_ATECC_STATUS_PARSE;
    if (p2 & 0x2u) {
        bool enabled = (moat_emu_config(emu)[EMU_CFG_VOLATILE_KEY_PERM] & 0x80u) != 0;
        if ((p2 & 0x1u) && !enabled)
            return MOAT_ATECC_STATUS_EXECUTION;
        emu->volatile_key_permit = (p2 & 0x1u) != 0;
    }
    memset(out, 0, 4);
    out[0] = emu->volatile_key_permit ? 1 : 0;
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t moat_emu_cmd_info(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    if (cmd->data_len != 0)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t status = MOAT_ATECC_STATUS_SUCCESS;
    switch (cmd->param1) {
    case INFO_REVISION:
        memcpy(rsp, revision, 4);
        break;
    case INFO_KEYVALID:
        status = info_keyvalid(emu, cmd->param2, rsp);
        break;
    case INFO_STATE:
        info_state(emu, rsp);
        break;
    case INFO_VOLATILE_KEY_PERMIT:
        status = info_volatile_key(emu, cmd->param2, rsp);
        break;
    default: /* 0x03 GPIO: the emulated chip has no GPIO pin */
        return MOAT_ATECC_STATUS_PARSE;
    }
    if (status == MOAT_ATECC_STATUS_SUCCESS)
        *rsp_len = 4;
    return status;
}

bool moat_emu_random_bytes(moat_emu *emu, uint8_t *out, size_t len)
{
    if (!moat_emu_config_locked(moat_emu_config(emu))) {
        static const uint8_t pattern[4] = {0xFF, 0xFF, 0x00, 0x00};
        for (size_t i = 0; i < len; i++)
            out[i] = pattern[i % 4];
        return true;
    }
    /* libcrypto's DRBG failing is the emulator's RNG health-test failure (status 0x08). */
    return RAND_bytes(out, (int)len) == 1;
}

uint8_t moat_emu_cmd_random(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    if (cmd->param1 > 0x01 || cmd->param2 != 0 || cmd->data_len != 0)
        return MOAT_ATECC_STATUS_PARSE;
    if (!moat_emu_random_bytes(emu, rsp, 32))
        return MOAT_ATECC_STATUS_HEALTH;
    *rsp_len = 32;
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* ---- Nonce ---- */
#define NONCE_MODE_PASSTHROUGH 0x03u
#define NONCE_MODE_INPUT_64 0x20u
#define NONCE_TARGET_MASK 0xC0u
#define NONCE_TARGET_TEMPKEY 0x00u
#define NONCE_TARGET_MSGDIGBUF 0x40u
#define NONCE_TARGET_ALTKEYBUF 0x80u
#define NONCE_USE_TEMPKEY 0x8000u

static uint8_t nonce_passthrough(moat_emu *emu, const moat_atecc_cmd *cmd)
{
    size_t n = (cmd->param1 & NONCE_MODE_INPUT_64) ? 64u : 32u;
    if (cmd->data_len != n || cmd->param2 != 0)
        return MOAT_ATECC_STATUS_PARSE;
    emu_reg *target;
    switch (cmd->param1 & NONCE_TARGET_MASK) {
    case NONCE_TARGET_TEMPKEY:
        target = &emu->tempkey;
        break;
    case NONCE_TARGET_MSGDIGBUF:
        target = &emu->msgdig;
        break;
    case NONCE_TARGET_ALTKEYBUF:
        if (n != 32)
            return MOAT_ATECC_STATUS_PARSE; /* the alternate key buffer holds 32 bytes */
        target = &emu->altkey;
        break;
    default:
        return MOAT_ATECC_STATUS_PARSE;
    }
    memset(target->value, 0, sizeof target->value);
    memcpy(target->value, cmd->data, n);
    target->valid = true;
    target->from_input = true;
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* Random mode: TempKey = SHA-256(RandOut || NumIn[20] || 0x16 || mode || 0x00); RandOut is
 * returned. With param2 0x8000 the old TempKey replaces the RNG output. */
static uint8_t nonce_random(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    if (cmd->data_len != 20 || (cmd->param1 & ~0x01u) != 0 ||
        (cmd->param2 != 0 && cmd->param2 != NONCE_USE_TEMPKEY))
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t rand_out[32];
    if (cmd->param2 == NONCE_USE_TEMPKEY) {
        if (!emu->tempkey.valid)
            return MOAT_ATECC_STATUS_EXECUTION;
        memcpy(rand_out, emu->tempkey.value, 32);
    } else if (!moat_emu_random_bytes(emu, rand_out, 32)) {
        return MOAT_ATECC_STATUS_HEALTH;
    }
    uint8_t msg[32 + 20 + 3];
    memcpy(msg, rand_out, 32);
    memcpy(msg + 32, cmd->data, 20);
    msg[52] = MOAT_ATECC_OP_NONCE;
    msg[53] = cmd->param1;
    msg[54] = 0x00;
    unsigned int dlen = 0;
    memset(emu->tempkey.value, 0, sizeof emu->tempkey.value);
    if (EVP_Digest(msg, sizeof msg, emu->tempkey.value, &dlen, EVP_sha256(), NULL) != 1)
        return MOAT_ATECC_STATUS_EXECUTION;
    emu->tempkey.valid = true;
    emu->tempkey.from_input = false;
    memcpy(rsp, cmd->param2 == NONCE_USE_TEMPKEY ? emu->tempkey.value : rand_out, 32);
    *rsp_len = 32;
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t moat_emu_cmd_nonce(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    uint8_t mode = cmd->param1 & 0x03u;
    if (cmd->param1 & 0x1Cu)
        return MOAT_ATECC_STATUS_PARSE; /* reserved bits */
    if (mode == NONCE_MODE_PASSTHROUGH)
        return nonce_passthrough(emu, cmd);
    if (mode == 0x02)
        return MOAT_ATECC_STATUS_PARSE;
    return nonce_random(emu, cmd, rsp, rsp_len);
}
