/* se.c - the secure-element interface: counted dispatch to a backend, and status texts.
 * Backends: se_atecc.c (ATECC608), se_pkcs11.c (PKCS#11 tokens), se_file.c (PEM, development). */
#include "moat/se.h"

#include <string.h>

#include "moat/config.h"

const char *moat_se_strerror(moat_se_status s)
{
#if MOAT_CONFIG_EXPLAIN
    switch (s) {
    case MOAT_SE_OK: return "success";
    case MOAT_SE_ERR_ARGUMENT: return "invalid argument (a NULL pointer or impossible value)";
    case MOAT_SE_ERR_LOCATOR:
        return "the key locator is not understood: use emu:IMAGE, emu+unix:SOCKET, "
               "i2c:/dev/i2c-N[@0xAA], pkcs11:MODULE.so?token=T&object=K&pin=P or file:KEY.pem";
    case MOAT_SE_ERR_OPEN: return "the secure element could not be reached";
    case MOAT_SE_ERR_LOGIN: return "the token refused the PIN: check pin= in the locator";
    case MOAT_SE_ERR_NO_KEY:
        return "no private key there: check the slot (ATECC608: provision it with "
               "`moat se provision`) or the object label (PKCS#11)";
    case MOAT_SE_ERR_KEY_TYPE: return "the key is not an ECC P-256 key, the only kind supported";
    case MOAT_SE_ERR_DEVICE: return "the secure element failed the operation";
    case MOAT_SE_ERR_UNSUPPORTED: return "this key backend does not offer the operation";
    }
    return "unknown secure-element status";
#else
    switch (s) {
    case MOAT_SE_OK: return "ok";
    case MOAT_SE_ERR_ARGUMENT: return "argument";
    case MOAT_SE_ERR_LOCATOR: return "locator";
    case MOAT_SE_ERR_OPEN: return "open";
    case MOAT_SE_ERR_LOGIN: return "login";
    case MOAT_SE_ERR_NO_KEY: return "no key";
    case MOAT_SE_ERR_KEY_TYPE: return "key type";
    case MOAT_SE_ERR_DEVICE: return "device";
    case MOAT_SE_ERR_UNSUPPORTED: return "unsupported";
    }
    return "?";
#endif
}

moat_se_status moat_se_public_key(moat_se *se, uint8_t pub[64])
{
    if (!se || !se->ops || !pub)
        return MOAT_SE_ERR_ARGUMENT;
    if (!se->ops->public_key)
        return MOAT_SE_ERR_UNSUPPORTED;
    if (!se->public_key_cached) {
        se->counters.public_key++;
        moat_se_status st = se->ops->public_key(se->ctx, se->public_key);
        if (st != MOAT_SE_OK)
            return st;
        se->public_key_cached = true;
    }
    memcpy(pub, se->public_key, 64);
    return MOAT_SE_OK;
}

moat_se_status moat_se_sign_digest(moat_se *se, const uint8_t digest[32], uint8_t sig[64])
{
    if (!se || !se->ops || !digest || !sig)
        return MOAT_SE_ERR_ARGUMENT;
    if (!se->ops->sign_digest)
        return MOAT_SE_ERR_UNSUPPORTED;
    se->counters.sign++;
    return se->ops->sign_digest(se->ctx, digest, sig);
}

moat_se_status moat_se_ecdh(moat_se *se, const uint8_t peer_pub[64], uint8_t secret[32])
{
    if (!se || !se->ops || !peer_pub || !secret)
        return MOAT_SE_ERR_ARGUMENT;
    if (!se->ops->ecdh)
        return MOAT_SE_ERR_UNSUPPORTED;
    se->counters.ecdh++;
    return se->ops->ecdh(se->ctx, peer_pub, secret);
}

moat_se_status moat_se_random(moat_se *se, uint8_t *out, size_t len)
{
    if (!se || !se->ops || (!out && len))
        return MOAT_SE_ERR_ARGUMENT;
    if (!se->ops->random)
        return MOAT_SE_ERR_UNSUPPORTED;
    se->counters.random++;
    return se->ops->random(se->ctx, out, len);
}
