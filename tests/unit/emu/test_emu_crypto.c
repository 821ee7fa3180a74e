/* test_emu_crypto.c - GenKey, Sign, Verify and ECDH on the emulator, checked against OpenSSL:
 * signatures verify with the GenKey public key, ECDH agrees with OpenSSL's, and each
 * permission the config sets is enforced with the chip's status. */
#include "emu_harness.h"

#include "p256_openssl.h"

#define EXEC MOAT_ATECC_STATUS_EXECUTION
#define PARSE MOAT_ATECC_STATUS_PARSE

static void genkey(harness *h, uint8_t slot, uint8_t pub[64])
{
    h_cmd_data(h, MOAT_ATECC_OP_GENKEY, 0x04, slot, NULL, 0, 64);
    memcpy(pub, h->rsp, 64);
}

static void test_genkey_on_non_private_slot_is_execution_error(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x04, 11, NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x00, 11, NULL, 0), EXEC);
}

static void test_genkey_needs_config_lock(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x04, 0, NULL, 0), EXEC);
}

static void test_genkey_public_mode_returns_the_same_key(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t pub[64];
    genkey(h, 0, pub);
    h_cmd_data(h, MOAT_ATECC_OP_GENKEY, 0x00, 0, NULL, 0, 64);
    assert_memory_equal(h->rsp, pub, 64);
    h_cmd_data(h, MOAT_ATECC_OP_INFO, 0x01, 0, NULL, 0, 4);
    assert_int_equal(h->rsp[0], 1); /* KeyValid */
}

static void test_genkey_public_mode_refused_without_pubinfo(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t pub[64];
    genkey(h, 2, pub);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x00, 2, NULL, 0), EXEC);
}

static void test_genkey_after_data_lock_needs_writeconfig_genkey(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x04, 4, NULL, 0), EXEC);
}

static void test_genkey_before_data_lock_works_on_any_private_slot(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    uint8_t pub[64];
    genkey(h, 4, pub);
}

static void test_genkey_public_of_empty_slot_is_ecc_fault(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x00, 1, NULL, 0), MOAT_ATECC_STATUS_ECC_FAULT);
}

static void test_genkey_unemulated_modes_are_parse_errors(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x0C, 0, NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x04, 0xFFFF, NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x04, 16, NULL, 0), PARSE);
}

/* cryptoauthlib's atcab_sign on a 608: Random, Nonce 0x43 (message to MsgDigBuf), Sign 0xA0. */
static void test_sign_from_msgdigbuf_verifies_with_genkey_public_key(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t pub[64], digest[32];
    genkey(h, 0, pub);
    memset(digest, 0x3C, sizeof digest);
    h_cmd_data(h, MOAT_ATECC_OP_RANDOM, 0x00, 0, NULL, 0, 32);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x43, 0, digest, 32), 0);
    h_cmd_data(h, MOAT_ATECC_OP_SIGN, 0xA0, 0, NULL, 0, 64);
    assert_int_equal(p256_verify(pub, digest, h->rsp), 1);
    digest[0] ^= 1;
    assert_int_equal(p256_verify(pub, digest, h->rsp), 0);
}

static void test_sign_from_tempkey_verifies(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t pub[64], digest[32];
    genkey(h, 0, pub);
    memset(digest, 0x77, sizeof digest);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x03, 0, digest, 32), 0);
    h_cmd_data(h, MOAT_ATECC_OP_SIGN, 0x80, 0, NULL, 0, 64);
    assert_int_equal(p256_verify(pub, digest, h->rsp), 1);
}

static void test_sign_refusals(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t pub[64], digest[32] = {1};
    genkey(h, 0, pub);
    /* no message loaded yet */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SIGN, 0xA0, 0, NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x43, 0, digest, 32), 0);
    /* slot 1 allows internal signatures only; slot 11 is not a private key */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SIGN, 0xA0, 1, NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SIGN, 0xA0, 11, NULL, 0), EXEC);
    /* internal-message signing needs a GenDig TempKey */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SIGN, 0x00, 1, NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SIGN, 0x02, 0, NULL, 0), PARSE);
}

static void test_sign_needs_data_lock(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    uint8_t pub[64], digest[32] = {1};
    genkey(h, 0, pub);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x43, 0, digest, 32), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SIGN, 0xA0, 0, NULL, 0), EXEC);
}

static void test_verify_external_matches_and_miscompares(void **state)
{
    harness *h = *state;
    h_wake(h); /* Verify needs no locks */
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    uint8_t digest[32], data[128];
    memset(digest, 0x11, sizeof digest);
    p256_sign(k, digest, data);
    p256_xy_of(k, data + 64);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x43, 0, digest, 32), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_VERIFY, 0x22, 0x0004, data, 128), 0);
    data[5] ^= 0x80;
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_VERIFY, 0x22, 0x0004, data, 128),
                     MOAT_ATECC_STATUS_MISCOMPARE);
    data[5] ^= 0x80;
    data[64 + 10] ^= 1; /* no longer a point on the curve */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_VERIFY, 0x22, 0x0004, data, 128),
                     MOAT_ATECC_STATUS_ECC_FAULT);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_VERIFY, 0x22, 0x0000, data, 128), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_VERIFY, 0x22, 0x0004, data, 64), PARSE);
    EVP_PKEY_free(k);
}

static void test_verify_stored_key_in_slot(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    uint8_t xy[64], stored[96] = {0};
    p256_xy_of(k, xy);
    memcpy(stored + 4, xy, 32);
    memcpy(stored + 40, xy + 32, 32);
    for (uint8_t b = 0; b < 3; b++)
        assert_int_equal(
            h_cmd(h, MOAT_ATECC_OP_WRITE, 0x82, h_slot_addr(9, b), stored + 32 * b, 32), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x81, 0, NULL, 0), 0);
    uint8_t digest[32], sig[64];
    memset(digest, 0x99, sizeof digest);
    p256_sign(k, digest, sig);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x03, 0, digest, 32), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_VERIFY, 0x00, 9, sig, 64), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_VERIFY, 0x00, 0, sig, 64), EXEC); /* private */
    EVP_PKEY_free(k);
}

static void test_ecdh_clear_output_matches_openssl(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t chip_pub[64], peer_xy[64], want[32];
    genkey(h, 0, chip_pub);
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    p256_xy_of(peer, peer_xy);
    p256_ecdh(peer, chip_pub, want);
    h_cmd_data(h, MOAT_ATECC_OP_ECDH, 0x0C, 0, peer_xy, 64, 32);
    assert_memory_equal(h->rsp, want, 32);
    h_cmd_data(h, MOAT_ATECC_OP_ECDH, 0x00, 0, peer_xy, 64, 32); /* compatible mode */
    assert_memory_equal(h->rsp, want, 32);
    EVP_PKEY_free(peer);
}

static void test_ecdh_to_tempkey_and_to_next_slot(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t chip_pub[64], peer_xy[64], want[32];
    genkey(h, 2, chip_pub);
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    p256_xy_of(peer, peer_xy);
    p256_ecdh(peer, chip_pub, want);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x08, 2, peer_xy, 64), 0);
    h_cmd_data(h, MOAT_ATECC_OP_INFO, 0x02, 0, NULL, 0, 4);
    assert_true(h->rsp[1] & 0x80); /* TempKey valid */
    /* slot 2 has ReadKey bit 3: compatible mode writes the secret to slot 3 */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x00, 2, peer_xy, 64), 0);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x82, h_slot_addr(3, 0), NULL, 0, 32);
    assert_memory_equal(h->rsp, want, 32);
    EVP_PKEY_free(peer);
}

static void test_ecdh_refusals(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t pub[64], peer_xy[64];
    genkey(h, 0, pub);
    EVP_PKEY *peer = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    p256_xy_of(peer, peer_xy);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x0C, 1, peer_xy, 64), EXEC);  /* no ECDH */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x0C, 5, peer_xy, 64), EXEC);  /* data */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x0E, 0, peer_xy, 64), PARSE); /* encrypted */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x0C, 0, peer_xy, 32), PARSE);
    /* to slot N+1 = slot 1, a private key: refused, the key is not overwritten */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x04, 0, peer_xy, 64), EXEC);
    peer_xy[63] ^= 1;
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_ECDH, 0x0C, 0, peer_xy, 64),
                     MOAT_ATECC_STATUS_ECC_FAULT);
    EVP_PKEY_free(peer);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(test_genkey_on_non_private_slot_is_execution_error),
        T(test_genkey_needs_config_lock),
        T(test_genkey_public_mode_returns_the_same_key),
        T(test_genkey_public_mode_refused_without_pubinfo),
        T(test_genkey_after_data_lock_needs_writeconfig_genkey),
        T(test_genkey_before_data_lock_works_on_any_private_slot),
        T(test_genkey_public_of_empty_slot_is_ecc_fault),
        T(test_genkey_unemulated_modes_are_parse_errors),
        T(test_sign_from_msgdigbuf_verifies_with_genkey_public_key),
        T(test_sign_from_tempkey_verifies),
        T(test_sign_refusals),
        T(test_sign_needs_data_lock),
        T(test_verify_external_matches_and_miscompares),
        T(test_verify_stored_key_in_slot),
        T(test_ecdh_clear_output_matches_openssl),
        T(test_ecdh_to_tempkey_and_to_next_slot),
        T(test_ecdh_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
