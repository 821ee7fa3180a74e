/* emu_ec.c - the P-256 arithmetic behind GenKey, Sign, Verify and ECDH, on OpenSSL 3
 * libcrypto. Keys cross this boundary as raw big-endian scalars and X||Y points. */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "emu/emu_internal.h"

/* Public point X||Y of a scalar in [1, n-1]; -1 for 0 or a scalar >= n. */
int moat_emu_ec_public(const uint8_t priv[32], uint8_t pub[64])
{
    int rc = -1;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    BIGNUM *d = BN_bin2bn(priv, 32, NULL);
    EC_POINT *q = g ? EC_POINT_new(g) : NULL;
    uint8_t oct[65];
    if (g && d && q && !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(g)) < 0 &&
        EC_POINT_mul(g, q, d, NULL, NULL, NULL) == 1 &&
        EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, oct, sizeof oct, NULL) == 65) {
        memcpy(pub, oct + 1, 64);
        rc = 0;
    }
    EC_POINT_free(q);
    BN_clear_free(d);
    EC_GROUP_free(g);
    return rc;
}

int moat_emu_ec_generate(uint8_t priv[32], uint8_t pub[64])
{
    int rc = -1;
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    BIGNUM *d = NULL;
    if (pkey && EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) == 1 &&
        BN_bn2binpad(d, priv, 32) == 32)
        rc = moat_emu_ec_public(priv, pub);
    BN_clear_free(d);
    EVP_PKEY_free(pkey);
    return rc;
}

/* An EVP_PKEY from a private scalar and/or a public point (either may be NULL). */
static EVP_PKEY *make_key(const uint8_t *priv, const uint8_t *pub64)
{
    uint8_t pub[65];
    uint8_t derived[64];
    if (pub64 == NULL) {
        if (moat_emu_ec_public(priv, derived) != 0)
            return NULL;
        pub64 = derived;
    }
    pub[0] = 0x04;
    memcpy(pub + 1, pub64, 64);
    EVP_PKEY *pkey = NULL;
    BIGNUM *d = priv ? BN_bin2bn(priv, 32, NULL) : NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (bld && ctx && (priv == NULL || d) &&
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub) &&
        (d == NULL || OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d)) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL && EVP_PKEY_fromdata_init(ctx) == 1)
        EVP_PKEY_fromdata(ctx, &pkey, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_clear_free(d);
    memset(derived, 0, sizeof derived);
    return pkey;
}

/* EVP_PKEY_fromdata does not check that the point is on the curve; do it here. */
static EVP_PKEY *make_public_key(const uint8_t pub[64])
{
    EVP_PKEY *pkey = make_key(NULL, pub);
    EVP_PKEY_CTX *ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
    bool ok = ctx && EVP_PKEY_public_check(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    if (!ok) {
        EVP_PKEY_free(pkey);
        return NULL;
    }
    return pkey;
}

int moat_emu_ec_sign(const uint8_t priv[32], const uint8_t digest[32], uint8_t sig[64])
{
    int rc = -1;
    EVP_PKEY *pkey = make_key(priv, NULL);
    EVP_PKEY_CTX *ctx = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
    uint8_t der[80];
    size_t der_len = sizeof der;
    if (ctx && EVP_PKEY_sign_init(ctx) == 1 && EVP_PKEY_sign(ctx, der, &der_len, digest, 32) == 1) {
        const uint8_t *p = der;
        ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
        if (s && BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32) == 32 &&
            BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32) == 32)
            rc = 0;
        ECDSA_SIG_free(s);
    }
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return rc;
}

int moat_emu_ec_verify(const uint8_t pub[64], const uint8_t digest[32], const uint8_t sig[64])
{
    EVP_PKEY *pkey = make_public_key(pub);
    if (pkey == NULL)
        return -1;
    int rc = 0;
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *sv = BN_bin2bn(sig + 32, 32, NULL);
    uint8_t *der = NULL;
    int der_len;
    if (s && r && sv && ECDSA_SIG_set0(s, r, sv) == 1) {
        r = sv = NULL; /* owned by s now */
        der_len = i2d_ECDSA_SIG(s, &der);
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
        if (der_len > 0 && ctx && EVP_PKEY_verify_init(ctx) == 1 &&
            EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, 32) == 1)
            rc = 1;
        EVP_PKEY_CTX_free(ctx);
    }
    OPENSSL_free(der);
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    EVP_PKEY_free(pkey);
    return rc;
}

int moat_emu_ec_ecdh(const uint8_t priv[32], const uint8_t pub[64], uint8_t secret[32])
{
    int rc = -1;
    EVP_PKEY *mine = make_key(priv, NULL);
    EVP_PKEY *peer = make_public_key(pub);
    EVP_PKEY_CTX *ctx = mine ? EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL) : NULL;
    size_t len = 32;
    if (peer && ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
        EVP_PKEY_derive(ctx, secret, &len) == 1 && len == 32)
        rc = 0;
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    EVP_PKEY_free(mine);
    return rc;
}
