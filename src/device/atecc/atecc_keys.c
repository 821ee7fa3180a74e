/* atecc_keys.c - the P-256 key commands: GenKey, Sign, Verify, ECDH, and the high-level
 * helpers a TLS stack calls (sign a digest, get a public key, shared secret). */
#include <string.h>

#include "device/atecc/atecc_internal.h"

static bool bad_slot(moat_atecc *dev, uint8_t slot)
{
    if (slot < MOAT_ATECC_SLOTS)
        return false;
    (void)moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    return true;
}

/* ---- GenKey (0x40) ---- */

moat_atecc_status moat_atecc_genkey(moat_atecc *dev, uint8_t slot, uint8_t pub[64])
{
    if (bad_slot(dev, slot))
        return MOAT_ATECC_ERR_BAD_ARG;
    /* mode 0x04: create a private key, return its public key */
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_GENKEY, 0x04, slot, NULL, 0, pub, 64);
}

moat_atecc_status moat_atecc_get_pubkey(moat_atecc *dev, uint8_t slot, uint8_t pub[64])
{
    if (bad_slot(dev, slot))
        return MOAT_ATECC_ERR_BAD_ARG;
    /* mode 0x00: public key of the existing private key */
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_GENKEY, 0x00, slot, NULL, 0, pub, 64);
}

/* ---- Sign (0x41) ---- */

moat_atecc_status moat_atecc_sign_loaded(moat_atecc *dev, uint8_t slot, moat_atecc_target source,
                                         uint8_t sig[64])
{
    if (bad_slot(dev, slot))
        return MOAT_ATECC_ERR_BAD_ARG;
    if (source != MOAT_ATECC_TARGET_TEMPKEY && source != MOAT_ATECC_TARGET_MSGDIGBUF)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    /* 0x80 external message; bit 5 (0x20) = take it from the message digest buffer */
    uint8_t mode = source == MOAT_ATECC_TARGET_MSGDIGBUF ? 0xA0 : 0x80;
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_SIGN, mode, slot, NULL, 0, sig, 64);
}

moat_atecc_status moat_atecc_sign_digest(moat_atecc *dev, uint8_t slot, const uint8_t digest[32],
                                         uint8_t sig[64])
{
    if (bad_slot(dev, slot))
        return MOAT_ATECC_ERR_BAD_ARG;
    /* Nonce 0x43 (pass-through into the message digest buffer) then Sign 0xA0. Idle between
     * the two keeps the buffer; holding the chip awake saves a wake. */
    bool was_held = dev->hold;
    moat_atecc_hold(dev, true);
    moat_atecc_status st = moat_atecc_nonce_load(dev, MOAT_ATECC_TARGET_MSGDIGBUF, digest, 32);
    if (st == MOAT_ATECC_OK)
        st = moat_atecc_sign_loaded(dev, slot, MOAT_ATECC_TARGET_MSGDIGBUF, sig);
    moat_atecc_hold(dev, was_held);
    return st;
}

/* ---- Verify (0x45) ---- */

moat_atecc_status moat_atecc_verify_extern(moat_atecc *dev, const uint8_t digest[32],
                                           const uint8_t sig[64], const uint8_t pub[64])
{
    bool was_held = dev->hold;
    moat_atecc_hold(dev, true);
    moat_atecc_status st = moat_atecc_nonce_load(dev, MOAT_ATECC_TARGET_MSGDIGBUF, digest, 32);
    if (st == MOAT_ATECC_OK) {
        uint8_t data[128];
        memcpy(data, sig, 64);
        memcpy(data + 64, pub, 64);
        /* mode 0x22: external public key, message from the message digest buffer;
         * param2 0x0004 = P-256 */
        st = moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_VERIFY, 0x22, 0x0004, data, sizeof data, NULL,
                                   0);
    }
    moat_atecc_hold(dev, was_held);
    return st;
}

/* ---- ECDH (0x43) ---- */

/* Mode bit 0: key source (0 slot, 1 TempKey); bit 1: encrypt the output; bits 3:2: where the
 * result goes (01 a slot, 10 TempKey, 11 the output buffer). */
enum { ECDH_TO_SLOT = 0x04, ECDH_TO_TEMPKEY = 0x08, ECDH_TO_OUTPUT = 0x0C };

moat_atecc_status moat_atecc_ecdh(moat_atecc *dev, uint8_t slot, const uint8_t peer[64],
                                  uint8_t secret[32])
{
    if (bad_slot(dev, slot))
        return MOAT_ATECC_ERR_BAD_ARG;
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_ECDH, ECDH_TO_OUTPUT, slot, peer, 64, secret,
                                 32);
}

moat_atecc_status moat_atecc_ecdh_to_tempkey(moat_atecc *dev, uint8_t slot, const uint8_t peer[64])
{
    if (bad_slot(dev, slot))
        return MOAT_ATECC_ERR_BAD_ARG;
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_ECDH, ECDH_TO_TEMPKEY, slot, peer, 64, NULL, 0);
}

moat_atecc_status moat_atecc_ecdh_to_slot(moat_atecc *dev, uint8_t slot, const uint8_t peer[64])
{
    if (bad_slot(dev, slot) || slot + 1u >= MOAT_ATECC_SLOTS)
        return moat_atecc_fail(dev, MOAT_ATECC_ERR_BAD_ARG);
    return moat_atecc_exec_fixed(dev, MOAT_ATECC_OP_ECDH, ECDH_TO_SLOT, slot, peer, 64, NULL, 0);
}
