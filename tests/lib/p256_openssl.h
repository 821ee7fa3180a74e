/* p256_openssl.h - OpenSSL as the independent judge of P-256 results in the chip tests: keys
 * from raw X||Y points, R||S signatures signed and verified, ECDH. Header-only; include after
 * <cmocka.h> (failures are cmocka assertions). */
#ifndef MOAT_TEST_P256_OPENSSL_H
#define MOAT_TEST_P256_OPENSSL_H

#include <stdint.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

/* A public key from the chip's 64-byte X||Y point. */
static inline EVP_PKEY *p256_pkey_from_xy(const uint8_t xy[64])
{
    uint8_t pt[65] = {0x04};
    memcpy(pt + 1, xy, 64);
    OSSL_PARAM params[] = {
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt), OSSL_PARAM_END};
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pkey = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* The X||Y point of an OpenSSL P-256 key, as the chip takes it. */
static inline void p256_xy_of(EVP_PKEY *k, uint8_t xy[64])
{
    uint8_t pt[65];
    size_t n = 0;
    assert_int_equal(EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt, &n),
                     1);
    assert_int_equal(n, 65);
    memcpy(xy, pt + 1, 64);
}

/* OpenSSL's verdict on R||S over a 32-byte digest: 1 valid, 0 invalid. */
static inline int p256_verify(const uint8_t pub[64], const uint8_t digest[32],
                              const uint8_t rs[64])
{
    EVP_PKEY *k = p256_pkey_from_xy(pub);
    ECDSA_SIG *sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
    uint8_t *der = NULL;
    int der_len = i2d_ECDSA_SIG(sig, &der);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    assert_int_equal(EVP_PKEY_verify_init(ctx), 1);
    int r = EVP_PKEY_verify(ctx, der, (size_t)der_len, digest, 32);
    EVP_PKEY_CTX_free(ctx);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    EVP_PKEY_free(k);
    return r;
}

/* Signs a 32-byte digest with an OpenSSL key; rs receives R||S as the chip writes it. */
static inline void p256_sign(EVP_PKEY *k, const uint8_t digest[32], uint8_t rs[64])
{
    uint8_t der[80];
    size_t der_len = sizeof der;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
    assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
    assert_int_equal(EVP_PKEY_sign(ctx, der, &der_len, digest, 32), 1);
    const uint8_t *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32);
    ECDSA_SIG_free(sig);
    EVP_PKEY_CTX_free(ctx);
}

/* The ECDH shared secret (the X coordinate) OpenSSL computes from `mine` and a peer point. */
static inline void p256_ecdh(EVP_PKEY *mine, const uint8_t peer_xy[64], uint8_t out[32])
{
    EVP_PKEY *peer = p256_pkey_from_xy(peer_xy);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL);
    size_t n = 32;
    assert_int_equal(EVP_PKEY_derive_init(ctx), 1);
    assert_int_equal(EVP_PKEY_derive_set_peer(ctx, peer), 1);
    assert_int_equal(EVP_PKEY_derive(ctx, out, &n), 1);
    assert_int_equal(n, 32);
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
}

#endif
