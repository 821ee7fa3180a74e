/* se_atecc.c - the ATECC608 backend: the private key lives in a chip slot and every private-key
 * operation is one chip command (Sign: Nonce pass-through + Sign; ECDH: one ECDH). Nothing
 * secret is ever read from the chip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/atecc_locator.h"
#include "moat/se_atecc.h"
#include "device/se/se_backends.h"

static moat_se_status from_atecc(moat_se_atecc_ctx *c, moat_atecc_status st, const char *what)
{
    if (st == MOAT_ATECC_OK)
        return MOAT_SE_OK;
    if (c->detail)
        snprintf(c->detail, c->detail_cap, "ATECC608 %s (slot %u) failed: %s", what,
                 (unsigned)c->slot, moat_atecc_strerror(st));
    if (st == MOAT_ATECC_ERR_NO_DEVICE || st == MOAT_ATECC_ERR_WAKE || st == MOAT_ATECC_ERR_BUS)
        return MOAT_SE_ERR_OPEN;
    return MOAT_SE_ERR_DEVICE;
}

static moat_se_status atecc_public_key(void *ctx, uint8_t pub[64])
{
    moat_se_atecc_ctx *c = ctx;
    return from_atecc(c, moat_atecc_get_pubkey(c->dev, c->slot, pub), "GenKey (public key)");
}

static moat_se_status atecc_sign(void *ctx, const uint8_t digest[32], uint8_t sig[64])
{
    moat_se_atecc_ctx *c = ctx;
    return from_atecc(c, moat_atecc_sign_digest(c->dev, c->slot, digest, sig), "Sign");
}

static moat_se_status atecc_ecdh(void *ctx, const uint8_t peer[64], uint8_t secret[32])
{
    moat_se_atecc_ctx *c = ctx;
    return from_atecc(c, moat_atecc_ecdh(c->dev, c->slot, peer, secret), "ECDH");
}

static moat_se_status atecc_random(void *ctx, uint8_t *out, size_t len)
{
    moat_se_atecc_ctx *c = ctx;
    uint8_t block[32];
    while (len > 0) {
        moat_se_status st = from_atecc(c, moat_atecc_random(c->dev, block), "Random");
        if (st != MOAT_SE_OK)
            return st;
        size_t n = len < sizeof block ? len : sizeof block;
        memcpy(out, block, n);
        out += n;
        len -= n;
    }
    return MOAT_SE_OK;
}

static const moat_se_ops atecc_ops = {atecc_public_key, atecc_sign, atecc_ecdh, atecc_random,
                                      NULL};

void moat_se_init_atecc(moat_se *se, moat_se_atecc_ctx *ctx, moat_atecc *dev, uint8_t slot)
{
    memset(se, 0, sizeof *se);
    ctx->dev = dev;
    ctx->slot = slot;
    ctx->detail = se->detail;
    ctx->detail_cap = sizeof se->detail;
    se->ops = &atecc_ops;
    se->ctx = ctx;
    se->backend = "atecc608";
}

moat_atecc *moat_se_atecc_device(const moat_se *se)
{
    if (!se || !se->backend || strcmp(se->backend, "atecc608") != 0)
        return NULL;
    return ((const moat_se_atecc_ctx *)se->ctx)->dev;
}

/* The Linux convenience: a locator-opened chip owned by the handle. The binding comes first so
 * the same ops serve both (ctx points at the binding either way). */
typedef struct {
    moat_se_atecc_ctx binding;
    moat_atecc *dev;
} atecc_owned;

static void atecc_owned_close(void *ctx)
{
    atecc_owned *o = ctx;
    moat_atecc_close_locator(o->dev);
    free(o);
}

static const moat_se_ops atecc_owned_ops = {atecc_public_key, atecc_sign, atecc_ecdh,
                                            atecc_random, atecc_owned_close};

moat_se_status moat_se_atecc_open(const char *locator, unsigned slot, moat_se **out, char *err,
                                  size_t err_cap)
{
    if (slot >= MOAT_ATECC_SLOTS) {
        snprintf(err, err_cap, "slot %u does not exist: an ATECC608 has slots 0-15", slot);
        return MOAT_SE_ERR_ARGUMENT;
    }
    moat_se *se = calloc(1, sizeof *se);
    atecc_owned *o = calloc(1, sizeof *o);
    if (!se || !o) {
        free(se);
        free(o);
        snprintf(err, err_cap, "out of memory");
        return MOAT_SE_ERR_OPEN;
    }
    moat_atecc_loc_status ls = moat_atecc_open_locator(locator, &o->dev, err, err_cap);
    if (ls != MOAT_ATECC_LOC_OK) {
        free(se);
        free(o);
        return ls == MOAT_ATECC_LOC_BAD_SYNTAX ? MOAT_SE_ERR_LOCATOR : MOAT_SE_ERR_OPEN;
    }
    moat_se_init_atecc(se, &o->binding, o->dev, (uint8_t)slot);
    se->ops = &atecc_owned_ops;
    *out = se;
    return MOAT_SE_OK;
}
