/* se_file.c - the development backend: a P-256 private key read from a PEM file into host
 * memory. It exists so the TLS path can be exercised without hardware; production keys belong
 * in a secure element, and the CLI says so when this backend is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>

#include "device/se/se_backends.h"
#include "device/tls/mbedtls_compat.h"

typedef struct {
    mbedtls_pk_context pk;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} file_key;

static moat_se_status file_public_key(void *ctx, uint8_t pub[64])
{
    file_key *k = ctx;
    return moat_mbedtls_ec_public_xy(moat_mbedtls_pk_ec(&k->pk), pub) ? MOAT_SE_ERR_DEVICE
                                                                      : MOAT_SE_OK;
}

static moat_se_status file_sign(void *ctx, const uint8_t digest[32], uint8_t sig[64])
{
    file_key *k = ctx;
    return moat_mbedtls_ecdsa_sign_raw(moat_mbedtls_pk_ec(&k->pk), digest, sig, &k->drbg)
               ? MOAT_SE_ERR_DEVICE
               : MOAT_SE_OK;
}

static moat_se_status file_ecdh(void *ctx, const uint8_t peer[64], uint8_t secret[32])
{
    file_key *k = ctx;
    return moat_mbedtls_ecdh_raw(moat_mbedtls_pk_ec(&k->pk), peer, secret, &k->drbg)
               ? MOAT_SE_ERR_DEVICE
               : MOAT_SE_OK;
}

static moat_se_status file_random(void *ctx, uint8_t *out, size_t len)
{
    file_key *k = ctx;
    return mbedtls_ctr_drbg_random(&k->drbg, out, len) ? MOAT_SE_ERR_DEVICE : MOAT_SE_OK;
}

static void file_close(void *ctx)
{
    file_key *k = ctx;
    mbedtls_pk_free(&k->pk);
    mbedtls_ctr_drbg_free(&k->drbg);
    mbedtls_entropy_free(&k->entropy);
    free(k);
}

static const moat_se_ops file_ops = {file_public_key, file_sign, file_ecdh, file_random,
                                     file_close};

moat_se_status moat_se_file_open(const char *path, moat_se **out, char *err, size_t err_cap)
{
    moat_se *se = calloc(1, sizeof *se);
    file_key *k = calloc(1, sizeof *k);
    if (!se || !k) {
        free(se);
        free(k);
        snprintf(err, err_cap, "out of memory");
        return MOAT_SE_ERR_OPEN;
    }
    mbedtls_pk_init(&k->pk);
    mbedtls_entropy_init(&k->entropy);
    mbedtls_ctr_drbg_init(&k->drbg);
    static const char pers[] = "moat-se-file";
    moat_se_status st = MOAT_SE_OK;
    int rc = mbedtls_ctr_drbg_seed(&k->drbg, mbedtls_entropy_func, &k->entropy,
                                   (const unsigned char *)pers, sizeof pers - 1);
    if (rc == 0)
        rc = moat_mbedtls_parse_keyfile(&k->pk, path, &k->drbg);
    if (rc != 0) {
        char why[100];
        mbedtls_strerror(rc, why, sizeof why);
        snprintf(err, err_cap, "cannot read the private key in %s: %s (-0x%04x). Fix: give a PEM "
                 "file holding an EC P-256 private key (openssl ecparam -name prime256v1 -genkey)",
                 path, why, (unsigned)-rc);
        st = MOAT_SE_ERR_OPEN;
    } else {
        mbedtls_ecp_keypair *kp = moat_mbedtls_pk_ec(&k->pk);
        if (!kp || kp->grp.id != MBEDTLS_ECP_DP_SECP256R1) {
            snprintf(err, err_cap, "%s is not an EC P-256 private key; Moat devices use P-256 "
                     "(the ATECC608's curve)", path);
            st = MOAT_SE_ERR_KEY_TYPE;
        }
    }
    if (st != MOAT_SE_OK) {
        file_close(k);
        free(se);
        return st;
    }
    se->ops = &file_ops;
    se->ctx = k;
    se->backend = "file";
    *out = se;
    return MOAT_SE_OK;
}
