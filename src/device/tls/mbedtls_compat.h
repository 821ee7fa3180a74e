/* mbedtls_compat.h - every mbedTLS call whose signature differs between 2.28 (Debian) and 3.x
 * (ESP-IDF 5) goes through here, so the port to 3.x is a change in mbedtls_compat.c only. */
#ifndef MOAT_MBEDTLS_COMPAT_H
#define MOAT_MBEDTLS_COMPAT_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>

/* Parses a PEM/DER private key file (no password). */
int moat_mbedtls_parse_keyfile(mbedtls_pk_context *pk, const char *path,
                               mbedtls_ctr_drbg_context *drbg);

/* The EC key pair inside an ECKEY pk context (NULL if it is not one). */
mbedtls_ecp_keypair *moat_mbedtls_pk_ec(const mbedtls_pk_context *pk);

/* Reads the uncompressed public point of a keypair into X||Y. */
int moat_mbedtls_ec_public_xy(const mbedtls_ecp_keypair *kp, uint8_t xy[64]);

/* Loads X||Y into a P-256 keypair's public point (the keypair is initialised here). */
int moat_mbedtls_ec_set_public_xy(mbedtls_ecp_keypair *kp, const uint8_t xy[64]);

/* ECDSA over P-256 with the keypair's private scalar: R||S. */
int moat_mbedtls_ecdsa_sign_raw(mbedtls_ecp_keypair *kp, const uint8_t digest[32],
                                uint8_t sig[64], mbedtls_ctr_drbg_context *drbg);

/* ECDH: X coordinate of d * peer. */
int moat_mbedtls_ecdh_raw(mbedtls_ecp_keypair *kp, const uint8_t peer_xy[64], uint8_t out[32],
                          mbedtls_ctr_drbg_context *drbg);

#endif
