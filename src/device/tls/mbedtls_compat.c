/* mbedtls_compat.c - mbedTLS 2.28 bindings of the calls that changed in 3.x (see the header).
 * On 3.x: pk_parse_keyfile gains an RNG, keypair fields are MBEDTLS_PRIVATE(), ecp_mul
 * needs no change. */
#include "device/tls/mbedtls_compat.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecdsa.h>

int moat_mbedtls_parse_keyfile(mbedtls_pk_context *pk, const char *path,
                               mbedtls_ctr_drbg_context *drbg)
{
    (void)drbg;
    return mbedtls_pk_parse_keyfile(pk, path, NULL);
}

mbedtls_ecp_keypair *moat_mbedtls_pk_ec(const mbedtls_pk_context *pk)
{
    if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY && mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECDSA)
        return NULL;
    return mbedtls_pk_ec(*pk);
}

int moat_mbedtls_ec_public_xy(const mbedtls_ecp_keypair *kp, uint8_t xy[64])
{
    int rc = mbedtls_mpi_write_binary(&kp->Q.X, xy, 32);
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&kp->Q.Y, xy + 32, 32);
    return rc;
}

int moat_mbedtls_ec_set_public_xy(mbedtls_ecp_keypair *kp, const uint8_t xy[64])
{
    uint8_t pt[65];
    pt[0] = 0x04;
    for (int i = 0; i < 64; i++)
        pt[i + 1] = xy[i];
    mbedtls_ecp_keypair_init(kp);
    int rc = mbedtls_ecp_group_load(&kp->grp, MBEDTLS_ECP_DP_SECP256R1);
    if (rc == 0)
        rc = mbedtls_ecp_point_read_binary(&kp->grp, &kp->Q, pt, sizeof pt);
    if (rc == 0)
        rc = mbedtls_ecp_check_pubkey(&kp->grp, &kp->Q);
    return rc;
}

int moat_mbedtls_ecdsa_sign_raw(mbedtls_ecp_keypair *kp, const uint8_t digest[32],
                                uint8_t sig[64], mbedtls_ctr_drbg_context *drbg)
{
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    int rc = mbedtls_ecdsa_sign(&kp->grp, &r, &s, &kp->d, digest, 32, mbedtls_ctr_drbg_random,
                                drbg);
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&r, sig, 32);
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&s, sig + 32, 32);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return rc;
}

int moat_mbedtls_ecdh_raw(mbedtls_ecp_keypair *kp, const uint8_t peer_xy[64], uint8_t out[32],
                          mbedtls_ctr_drbg_context *drbg)
{
    mbedtls_ecp_keypair peer;
    mbedtls_mpi z;
    mbedtls_mpi_init(&z);
    int rc = moat_mbedtls_ec_set_public_xy(&peer, peer_xy);
    if (rc == 0)
        rc = mbedtls_ecdh_compute_shared(&kp->grp, &z, &peer.Q, &kp->d, mbedtls_ctr_drbg_random,
                                         drbg);
    if (rc == 0)
        rc = mbedtls_mpi_write_binary(&z, out, 32);
    mbedtls_mpi_free(&z);
    mbedtls_ecp_keypair_free(&peer);
    return rc;
}
