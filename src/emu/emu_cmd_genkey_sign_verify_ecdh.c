/* emu_cmd_genkey_sign_verify_ecdh.c - the P-256 commands: GenKey (create / public), Sign
 * (external message), Verify (external and stored key) and ECDH, with the chip's permission
 * checks. Private keys live in their slot as 4 zero pad bytes + the 32-byte scalar. */
#include <string.h>

#include "emu/emu_internal.h"

#define GENKEY_MODE_PRIVATE 0x04u
#define SIGN_MODE_EXTERNAL 0x80u
#define SIGN_MODE_INVALIDATE 0x01u
#define SOURCE_MSGDIGBUF 0x20u /* Sign/Verify: message from the message digest buffer */
#define VERIFY_MODE_STORED 0x00u
#define VERIFY_MODE_EXTERNAL 0x02u
#define VERIFY_KEY_P256 0x0004u
#define READKEY_EXT_SIG 0x1u
#define READKEY_ECDH 0x4u
#define READKEY_ECDH_TO_NEXT 0x8u
#define WRITECONFIG_GENKEY 0x2u

static uint8_t *priv_of(moat_emu *emu, uint8_t slot)
{
    return moat_emu_slot(emu, slot) + EMU_PRIV_OFFSET;
}

static bool zones_locked(moat_emu *emu)
{
    const uint8_t *cfg = moat_emu_config(emu);
    return moat_emu_config_locked(cfg) && moat_emu_data_locked(cfg);
}

/* Creating a key in a locked data zone needs SlotConfig.WriteConfig's GenKey bit and a slot
 * that is not slot-locked; before the data lock any P-256 private slot accepts a new key. */
static uint8_t genkey_create(moat_emu *emu, uint8_t slot, uint8_t *rsp, size_t *rsp_len)
{
    const uint8_t *cfg = moat_emu_config(emu);
    if (moat_emu_data_locked(cfg)) {
        uint16_t sc = moat_emu_slot_config(cfg, slot);
        if (moat_emu_slot_locked(cfg, slot) || !(EMU_SC_WRITE_CONFIG(sc) & WRITECONFIG_GENKEY))
            return MOAT_ATECC_STATUS_EXECUTION;
    }
    uint8_t priv[32];
    if (moat_emu_ec_generate(priv, rsp) != 0)
        return MOAT_ATECC_STATUS_ECC_FAULT;
    uint8_t *p = moat_emu_slot(emu, slot);
    memset(p, 0, EMU_PRIV_OFFSET);
    memcpy(p + EMU_PRIV_OFFSET, priv, 32);
    memset(priv, 0, sizeof priv);
    moat_emu_image_save(emu);
    *rsp_len = 64;
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t moat_emu_cmd_genkey(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    /* Digest (0x08, 0x10), MAC (0x20) and private-to-TempKey (0xFFFF) are not emulated. */
    if (cmd->data_len != 0 || (cmd->param1 & ~GENKEY_MODE_PRIVATE) != 0 ||
        cmd->param2 >= MOAT_ATECC_SLOTS)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t slot = (uint8_t)cmd->param2;
    const uint8_t *cfg = moat_emu_config(emu);
    if (!moat_emu_config_locked(cfg) || !moat_emu_is_p256_private(cfg, slot))
        return MOAT_ATECC_STATUS_EXECUTION;
    if (cmd->param1 & GENKEY_MODE_PRIVATE)
        return genkey_create(emu, slot, rsp, rsp_len);
    /* KeyConfig.PubInfo = 0 forbids ever computing the public key. */
    if (!EMU_KC_PUBINFO(moat_emu_key_config(cfg, slot)))
        return MOAT_ATECC_STATUS_EXECUTION;
    if (moat_emu_ec_public(priv_of(emu, slot), rsp) != 0)
        return MOAT_ATECC_STATUS_ECC_FAULT; /* the slot holds no valid private key */
    *rsp_len = 64;
    return MOAT_ATECC_STATUS_SUCCESS;
}

static const emu_reg *message_source(const moat_emu *emu, uint8_t mode)
{
    return (mode & SOURCE_MSGDIGBUF) ? &emu->msgdig : &emu->tempkey;
}

/* Private P-256 slot whose SlotConfig.ReadKey has `need` set, in locked zones. */
static bool key_usable(moat_emu *emu, uint8_t slot, unsigned need)
{
    const uint8_t *cfg = moat_emu_config(emu);
    return zones_locked(emu) && moat_emu_is_p256_private(cfg, slot) &&
           (EMU_SC_READKEY(moat_emu_slot_config(cfg, slot)) & need) != 0;
}

uint8_t moat_emu_cmd_sign(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    if (cmd->data_len != 0 || (cmd->param1 & ~0xE1u) != 0 || (cmd->param1 & SIGN_MODE_INVALIDATE) ||
        cmd->param2 >= MOAT_ATECC_SLOTS)
        return MOAT_ATECC_STATUS_PARSE;
    /* Internal-message signing needs a TempKey made by GenDig/GenKey digest modes, which
     * are not emulated: the chip refuses any other TempKey with an execution error. */
    if (!(cmd->param1 & SIGN_MODE_EXTERNAL))
        return MOAT_ATECC_STATUS_EXECUTION;
    uint8_t slot = (uint8_t)cmd->param2;
    const emu_reg *msg = message_source(emu, cmd->param1);
    if (!key_usable(emu, slot, READKEY_EXT_SIG) || !msg->valid)
        return MOAT_ATECC_STATUS_EXECUTION;
    if (moat_emu_ec_sign(priv_of(emu, slot), msg->value, rsp) != 0)
        return MOAT_ATECC_STATUS_ECC_FAULT;
    *rsp_len = 64;
    return MOAT_ATECC_STATUS_SUCCESS;
}

/* Stored mode: a P-256 public key in a 72-byte slot, stored format pad(4)|X|pad(4)|Y. Keys
 * that need validation (PubInfo = 1) are refused: Verify Validate is not emulated. */
static uint8_t stored_public_key(moat_emu *emu, uint16_t param2, uint8_t pub[64])
{
    if (param2 >= MOAT_ATECC_SLOTS)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t slot = (uint8_t)param2;
    const uint8_t *cfg = moat_emu_config(emu);
    uint16_t kc = moat_emu_key_config(cfg, slot);
    if (!zones_locked(emu) || EMU_KC_PRIVATE(kc) || EMU_KC_KEYTYPE(kc) != EMU_KEYTYPE_P256 ||
        EMU_KC_PUBINFO(kc) || moat_atecc_slot_size(slot) < 72)
        return MOAT_ATECC_STATUS_EXECUTION;
    const uint8_t *p = moat_emu_slot(emu, slot);
    memcpy(pub, p + 4, 32);
    memcpy(pub + 32, p + 40, 32);
    return MOAT_ATECC_STATUS_SUCCESS;
}

uint8_t moat_emu_cmd_verify(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    (void)rsp;
    (void)rsp_len;
    uint8_t op = cmd->param1 & 0x07u;
    /* MAC output (0x80) and the Validate/Invalidate modes are not emulated. */
    if ((cmd->param1 & ~0x27u) != 0)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t pub[64];
    if (op == VERIFY_MODE_EXTERNAL) {
        if (cmd->param2 != VERIFY_KEY_P256 || cmd->data_len != 128)
            return MOAT_ATECC_STATUS_PARSE;
        memcpy(pub, cmd->data + 64, 64);
    } else if (op == VERIFY_MODE_STORED) {
        if (cmd->data_len != 64)
            return MOAT_ATECC_STATUS_PARSE;
        uint8_t st = stored_public_key(emu, cmd->param2, pub);
        if (st != MOAT_ATECC_STATUS_SUCCESS)
            return st;
    } else {
        return MOAT_ATECC_STATUS_PARSE;
    }
    const emu_reg *msg = message_source(emu, cmd->param1);
    if (!msg->valid)
        return MOAT_ATECC_STATUS_EXECUTION;
    int r = moat_emu_ec_verify(pub, msg->value, cmd->data);
    if (r < 0)
        return MOAT_ATECC_STATUS_ECC_FAULT; /* the public key is not a point on P-256 */
    return r == 1 ? MOAT_ATECC_STATUS_SUCCESS : MOAT_ATECC_STATUS_MISCOMPARE;
}

/* ---- ECDH ---- */
#define ECDH_SOURCE_TEMPKEY 0x01u
#define ECDH_OUTPUT_ENCRYPTED 0x02u
#define ECDH_COPY_COMPATIBLE 0u
#define ECDH_COPY_SLOT 1u
#define ECDH_COPY_TEMPKEY 2u
#define ECDH_COPY_OUTPUT 3u

/* ChipOptions bits 9:8 (ECDH protection): 0 lets the shared secret out in clear. */
static bool clear_output_allowed(moat_emu *emu)
{
    return (moat_emu_config(emu)[EMU_CFG_CHIP_OPTIONS + 1] & 0x03u) == 0;
}

static uint8_t ecdh_deliver(moat_emu *emu, uint8_t slot, unsigned copy, uint8_t secret[32],
                            uint8_t *rsp, size_t *rsp_len)
{
    switch (copy) {
    case ECDH_COPY_SLOT: {
        /* Never over a private key or a slot-locked slot. */
        const uint8_t *cfg = moat_emu_config(emu);
        uint8_t next = (uint8_t)(slot + 1u);
        if (next >= MOAT_ATECC_SLOTS || EMU_KC_PRIVATE(moat_emu_key_config(cfg, next)) ||
            moat_emu_slot_locked(cfg, next))
            return MOAT_ATECC_STATUS_EXECUTION;
        memcpy(moat_emu_slot(emu, next), secret, 32);
        moat_emu_image_save(emu);
        return MOAT_ATECC_STATUS_SUCCESS;
    }
    case ECDH_COPY_TEMPKEY:
        memset(&emu->tempkey, 0, sizeof emu->tempkey);
        memcpy(emu->tempkey.value, secret, 32);
        emu->tempkey.valid = true;
        return MOAT_ATECC_STATUS_SUCCESS;
    default:
        if (!clear_output_allowed(emu))
            return MOAT_ATECC_STATUS_EXECUTION;
        memcpy(rsp, secret, 32);
        *rsp_len = 32;
        return MOAT_ATECC_STATUS_SUCCESS;
    }
}

uint8_t moat_emu_cmd_ecdh(moat_emu *emu, const moat_atecc_cmd *cmd, uint8_t *rsp, size_t *rsp_len)
{
    /* TempKey as the private key and encrypted output (IO protection key) are not emulated. */
    if (cmd->data_len != 64 || (cmd->param1 & ~0x0Fu) != 0 ||
        (cmd->param1 & (ECDH_SOURCE_TEMPKEY | ECDH_OUTPUT_ENCRYPTED)) ||
        cmd->param2 >= MOAT_ATECC_SLOTS)
        return MOAT_ATECC_STATUS_PARSE;
    uint8_t slot = (uint8_t)cmd->param2;
    if (!key_usable(emu, slot, READKEY_ECDH))
        return MOAT_ATECC_STATUS_EXECUTION;
    unsigned copy = (cmd->param1 >> 2) & 0x03u;
    if (copy == ECDH_COPY_COMPATIBLE) {
        /* 508-compatible mode: SlotConfig.ReadKey bit 3 sends the secret to slot N+1. */
        unsigned rk = EMU_SC_READKEY(moat_emu_slot_config(moat_emu_config(emu), slot));
        copy = (rk & READKEY_ECDH_TO_NEXT) ? ECDH_COPY_SLOT : ECDH_COPY_OUTPUT;
    }
    uint8_t secret[32];
    if (moat_emu_ec_ecdh(priv_of(emu, slot), cmd->data, secret) != 0)
        return MOAT_ATECC_STATUS_ECC_FAULT;
    uint8_t st = ecdh_deliver(emu, slot, copy, secret, rsp, rsp_len);
    memset(secret, 0, sizeof secret);
    return st;
}
