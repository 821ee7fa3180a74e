/* cert_hash.c - the codec's only mbedTLS calls: one-shot SHA-256 and SHA-1. mbedTLS 2.28
 * names them *_ret; 3.x drops the suffix. Porting to 3.x changes this file only. */
#include "common/cert/cert_internal.h"

#include <mbedtls/sha1.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>

void moat_cert_sha256(const uint8_t *in, size_t len, uint8_t out[32])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    (void)mbedtls_sha256(in, len, out, 0);
#else
    (void)mbedtls_sha256_ret(in, len, out, 0);
#endif
}

void moat_cert_sha1(const uint8_t *in, size_t len, uint8_t out[20])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    (void)mbedtls_sha1(in, len, out);
#else
    (void)mbedtls_sha1_ret(in, len, out);
#endif
}
