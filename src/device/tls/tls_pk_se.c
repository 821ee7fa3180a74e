/* tls_pk_se.c - an mbedTLS pk context whose private-key operation is the secure element's.
 *
 * mbedTLS 2.28 lets a pk context carry any mbedtls_pk_info_t (pk_internal.h); ours keeps only
 * the PUBLIC key in host memory (for verify and key-size queries) and sends every signature to
 * moat_se_sign_digest. This is the route Microchip's and Espressif's ATECC integrations take.
 * The API differs in mbedTLS 3.x (pk_info is private there): this file and mbedtls_compat.c are
 * the whole port.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk_internal.h>

#include "moat/certcodec.h"
#include "device/tls/mbedtls_compat.h"
#include "device/tls/tls_internal.h"

/* The keypair comes first so code that casts the context to an ecp_keypair (mbedtls_pk_ec)
 * sees the public key; `d` stays zero: there is no private scalar on the host. */
typedef struct {
    mbedtls_ecp_keypair pub;
    moat_se *se;
    int last_se_status;
} se_pk_ctx;

static size_t se_pk_bitlen(const void *ctx)
{
    (void)ctx;
    return 256;
}

static int se_pk_can_do(mbedtls_pk_type_t type)
{
    return type == MBEDTLS_PK_ECKEY || type == MBEDTLS_PK_ECDSA;
}

static int se_pk_verify(void *ctx, mbedtls_md_type_t md, const unsigned char *hash,
                        size_t hash_len, const unsigned char *sig, size_t sig_len)
{
    se_pk_ctx *c = ctx;
    (void)md;
    mbedtls_ecdsa_context ecdsa;
    mbedtls_ecdsa_init(&ecdsa);
    int rc = mbedtls_ecdsa_from_keypair(&ecdsa, &c->pub);
    if (rc == 0)
        rc = mbedtls_ecdsa_read_signature(&ecdsa, hash, hash_len, sig, sig_len);
    mbedtls_ecdsa_free(&ecdsa);
    return rc;
}

/* The ECDSA-Sig-Value SEQUENCE mbedTLS expects: the certificate codec's encoder (shared, so the
 * integer rules live in one place) writes it inside a BIT STRING; the SEQUENCE starts at [3]. */
static size_t ecdsa_der(const uint8_t rs[64], uint8_t out[72])
{
    uint8_t bits[MOAT_CERT_SIG_DER_MAX];
    size_t n = moat_cert_sig_to_der(rs, bits);
    memcpy(out, bits + 3, n - 3);
    return n - 3;
}

/* ECDSA signs the leftmost bits of the hash up to the curve size (FIPS 186-4 6.4), so a P-256
 * element that signs 32-byte digests serves SHA-384/512 handshakes too. */
static int se_pk_sign(void *ctx, mbedtls_md_type_t md, const unsigned char *hash,
                      size_t hash_len, unsigned char *sig, size_t *sig_len,
                      int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    se_pk_ctx *c = ctx;
    (void)md;
    (void)f_rng;
    (void)p_rng;
    uint8_t digest[32] = {0}, rs[64];
    if (hash_len >= 32)
        memcpy(digest, hash, 32);
    else
        memcpy(digest + (32 - hash_len), hash, hash_len);
    moat_se_status st = moat_se_sign_digest(c->se, digest, rs);
    c->last_se_status = (int)st;
    if (st != MOAT_SE_OK)
        return MBEDTLS_ERR_PK_HW_ACCEL_FAILED;
    *sig_len = ecdsa_der(rs, sig);
    return 0;
}

static void *se_pk_alloc(void)
{
    se_pk_ctx *c = calloc(1, sizeof *c);
    if (c)
        mbedtls_ecp_keypair_init(&c->pub);
    return c;
}

static void se_pk_free(void *ctx)
{
    se_pk_ctx *c = ctx;
    mbedtls_ecp_keypair_free(&c->pub);
    free(c);
}

static void se_pk_debug(const void *ctx, mbedtls_pk_debug_item *items)
{
    /* mbedTLS's debug item is not const-correct; it only reads the point. */
    se_pk_ctx *c = (se_pk_ctx *)(uintptr_t)ctx;
    items->type = MBEDTLS_PK_DEBUG_ECP;
    items->name = "se.Q";
    items->value = &c->pub.Q;
}

static const mbedtls_pk_info_t se_pk_info = {
    .type = MBEDTLS_PK_ECKEY,
    .name = "EC (secure element)",
    .get_bitlen = se_pk_bitlen,
    .can_do = se_pk_can_do,
    .verify_func = se_pk_verify,
    .sign_func = se_pk_sign,
    .ctx_alloc_func = se_pk_alloc,
    .ctx_free_func = se_pk_free,
    .debug_func = se_pk_debug,
};

int moat_tls_pk_setup_se(mbedtls_pk_context *pk, moat_se *se, const uint8_t pub[64])
{
    int rc = mbedtls_pk_setup(pk, &se_pk_info);
    if (rc != 0)
        return rc;
    se_pk_ctx *c = pk->pk_ctx;
    c->se = se;
    mbedtls_ecp_keypair_free(&c->pub);
    return moat_mbedtls_ec_set_public_xy(&c->pub, pub);
}

int moat_tls_pk_se_last_status(const mbedtls_pk_context *pk)
{
    const se_pk_ctx *c = pk->pk_ctx;
    return c ? c->last_se_status : 0;
}
