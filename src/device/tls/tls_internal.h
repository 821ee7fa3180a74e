/* tls_internal.h - the TLS session object, shared by tls.c (handshake and I/O), tls_pk_se.c
 * (the secure-element key) and tls_explain.c (turning failures into words). */
#ifndef MOAT_TLS_INTERNAL_H
#define MOAT_TLS_INTERNAL_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "moat/tls.h"

struct moat_tls {
    moat_transport lower;
    moat_se *key;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt own;
    mbedtls_pk_context pk;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    uint32_t io_timeout_ms;
    bool handshaking;
    bool lower_closed;
    bool lower_failed;
    bool skip_hostname;
    uint8_t first_byte;     /* first byte the server sent: a TLS record starts 0x14..0x18 */
    const char *alpn[8];
    moat_tls_status status;
    moat_tls_info info;
    char explain[1536];
};

/* Sets up `pk` as the key in `se` whose public key is `pub` (X||Y). */
int moat_tls_pk_setup_se(mbedtls_pk_context *pk, moat_se *se, const uint8_t pub[64]);
/* The moat_se_status of the last signature attempt through `pk`. */
int moat_tls_pk_se_last_status(const mbedtls_pk_context *pk);

/* Classifies a failed handshake (mbedTLS result `rc`) and writes t->explain. */
moat_tls_status moat_tls_diagnose(moat_tls *t, int rc);
/* Writes t->explain for a failure found before the handshake. */
void moat_tls_explain_set(moat_tls *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
