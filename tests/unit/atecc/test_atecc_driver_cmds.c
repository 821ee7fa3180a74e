/* test_atecc_driver_cmds.c - every driver command against the emulator, twice: in-process
 * and over the socket of a real `moat-se` (driver -> socket -> emulator). Outcomes are
 * checked by OpenSSL (signatures, ECDH, SHA-256), refusals (secret slots, locked zones, wrong
 * slot types) as named errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "atecc_test_hal.h"
#include "p256_openssl.h"

typedef struct {
    test_hal t;
    moat_atecc dev;
    uint8_t pub0[64]; /* slot-0 public key after provisioning */
} fixture;

static bool over_socket; /* which group is running */

static int setup_blank(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    th_open(&f->t, &f->dev, over_socket);
    *state = f;
    return 0;
}

static int setup_provisioned(void **state)
{
    setup_blank(state);
    fixture *f = *state;
    moat_atecc_provision_report rep;
    if (moat_atecc_provision(&f->dev, f->pub0, &rep) != MOAT_ATECC_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    th_close(&f->t);
    free(f);
    return 0;
}

/* ---- blank (factory) chip ---- */

static void test_info_revision_identifies_an_atecc608(void **state)
{
    fixture *f = *state;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(rev[2], 0x60);
}

static void test_serial_number_is_config_bytes_0_3_and_8_12(void **state)
{
    fixture *f = *state;
    uint8_t serial[9], cfg[128], expect[9];
    assert_int_equal(moat_atecc_read_serial(&f->dev, serial), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    moat_atecc_serial_from_config(cfg, expect);
    assert_memory_equal(serial, expect, 9);
    assert_int_equal(serial[0], 0x01);
    assert_int_equal(serial[1], 0x23);
    assert_int_equal(serial[8], 0xEE);
}

static void test_random_on_unlocked_chip_is_the_fixed_pattern(void **state)
{
    fixture *f = *state;
    uint8_t r[32];
    assert_int_equal(moat_atecc_random(&f->dev, r), MOAT_ATECC_OK);
    assert_int_equal(r[0], 0xFF);
    assert_int_equal(r[1], 0xFF);
    assert_int_equal(r[2], 0x00);
    assert_int_equal(r[3], 0x00);
}

static void test_blank_chip_reports_both_zones_unlocked(void **state)
{
    fixture *f = *state;
    moat_atecc_lock_state l;
    assert_int_equal(moat_atecc_read_locks(&f->dev, &l), MOAT_ATECC_OK);
    assert_false(l.config_locked);
    assert_false(l.data_locked);
    assert_int_equal(l.slot_locked, 0);
}

static void test_write_config_then_read_back_the_layout(void **state)
{
    fixture *f = *state;
    uint8_t cfg[128], back[128];
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    moat_atecc_provision_layout(cfg);
    assert_int_equal(moat_atecc_write_config(&f->dev, cfg), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_config(&f->dev, back), MOAT_ATECC_OK);
    assert_memory_equal(cfg, back, 128);
    assert_int_equal(moat_atecc_slot_config(back, 0), 0x2085);
    assert_int_equal(moat_atecc_key_config(back, 11), 0x0030);
}

static void test_lock_config_with_wrong_crc_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t cfg[128];
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    uint16_t good = moat_atecc_lock_crc(cfg, 128);
    assert_int_equal(moat_atecc_lock_config(&f->dev, (uint16_t)(good ^ 1)),
                     MOAT_ATECC_ERR_EXECUTION);
    moat_atecc_lock_state l;
    assert_int_equal(moat_atecc_read_locks(&f->dev, &l), MOAT_ATECC_OK);
    assert_false(l.config_locked);
    assert_int_equal(moat_atecc_lock_config(&f->dev, good), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_locks(&f->dev, &l), MOAT_ATECC_OK);
    assert_true(l.config_locked);
}

static void test_lock_config_zone_twice_is_refused_on_the_host(void **state)
{
    fixture *f = *state;
    assert_int_equal(moat_atecc_lock_config_zone(&f->dev), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_config_zone(&f->dev), MOAT_ATECC_ERR_LOCKED);
    /* and the chip refuses the raw command too */
    assert_int_equal(moat_atecc_lock_config(&f->dev, 0), MOAT_ATECC_ERR_EXECUTION);
}

static void test_write_to_locked_config_zone_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(moat_atecc_lock_config_zone(&f->dev), MOAT_ATECC_OK);
    uint8_t word[4] = {1, 2, 3, 4};
    assert_int_equal(moat_atecc_write_zone(&f->dev, MOAT_ATECC_ZONE_CONFIG, 0, 0, 5, word, 4),
                     MOAT_ATECC_ERR_EXECUTION);
    assert_int_equal(f->dev.last_chip_status, 0x0F);
}

static void test_lock_data_with_wrong_crc_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t cfg[128];
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    moat_atecc_provision_layout(cfg);
    assert_int_equal(moat_atecc_write_config(&f->dev, cfg), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_config_zone(&f->dev), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_data(&f->dev, true, 0x1234), MOAT_ATECC_ERR_EXECUTION);
    moat_atecc_lock_state l;
    assert_int_equal(moat_atecc_read_locks(&f->dev, &l), MOAT_ATECC_OK);
    assert_false(l.data_locked);
}

static void test_provision_locks_both_zones_and_makes_the_slot0_key(void **state)
{
    fixture *f = *state;
    uint8_t pub[64], again[64];
    moat_atecc_provision_report rep;
    assert_int_equal(moat_atecc_provision(&f->dev, pub, &rep), MOAT_ATECC_OK);
    assert_true(rep.config_written && rep.config_locked_now && rep.data_locked_now);
    moat_atecc_lock_state l;
    assert_int_equal(moat_atecc_read_locks(&f->dev, &l), MOAT_ATECC_OK);
    assert_true(l.config_locked && l.data_locked);
    assert_int_equal(moat_atecc_get_pubkey(&f->dev, 0, again), MOAT_ATECC_OK);
    assert_memory_equal(pub, again, 64);
    bool valid = false;
    assert_int_equal(moat_atecc_info_key_valid(&f->dev, 0, &valid), MOAT_ATECC_OK);
    assert_true(valid);
}

static void test_provision_resumes_on_a_locked_chip(void **state)
{
    fixture *f = *state;
    uint8_t pub1[64], pub2[64];
    moat_atecc_provision_report rep;
    assert_int_equal(moat_atecc_provision(&f->dev, pub1, &rep), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_provision(&f->dev, pub2, &rep), MOAT_ATECC_OK);
    assert_false(rep.config_written || rep.config_locked_now || rep.data_locked_now);
    assert_memory_not_equal(pub1, pub2, 64); /* a new key */
}

static void test_config_word_writes_and_reads_4_bytes(void **state)
{
    fixture *f = *state;
    const uint8_t word[4] = {0x00, 0x00, 0x11, 0x22}; /* bytes 92-95: X509format */
    uint8_t back[4];
    assert_int_equal(moat_atecc_write_zone(&f->dev, MOAT_ATECC_ZONE_CONFIG, 0, 2, 7, word, 4),
                     MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_zone(&f->dev, MOAT_ATECC_ZONE_CONFIG, 0, 2, 7, back, 4),
                     MOAT_ATECC_OK);
    assert_memory_equal(word, back, 4);
}

static void test_otp_written_before_the_data_lock_reads_back_after(void **state)
{
    fixture *f = *state;
    uint8_t cfg[128], otp[32], back[64];
    for (int i = 0; i < 32; i++)
        otp[i] = (uint8_t)(0x40 + i);
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    moat_atecc_provision_layout(cfg);
    assert_int_equal(moat_atecc_write_config(&f->dev, cfg), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_config_zone(&f->dev), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_write_zone(&f->dev, MOAT_ATECC_ZONE_OTP, 0, 0, 0, otp, 32),
                     MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_data(&f->dev, false, 0), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_otp(&f->dev, back), MOAT_ATECC_OK);
    assert_memory_equal(back, otp, 32);
}

static void test_slots_written_before_the_data_lock_read_back_after(void **state)
{
    fixture *f = *state;
    uint8_t cfg[128], d5[36], d10[72], d8[40], back[72];
    for (int i = 0; i < 72; i++) {
        d10[i] = (uint8_t)(i + 1);
        if (i < 36)
            d5[i] = (uint8_t)(0x80 + i);
        if (i < 40)
            d8[i] = (uint8_t)(0x20 + i);
    }
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    moat_atecc_provision_layout(cfg);
    assert_int_equal(moat_atecc_write_config(&f->dev, cfg), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_config_zone(&f->dev), MOAT_ATECC_OK);
    /* unlocked data zone: 32-byte writes only, tails padded */
    assert_int_equal(moat_atecc_write_slot(&f->dev, 5, d5, 36, false), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_write_slot(&f->dev, 10, d10, 72, false), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_write_slot(&f->dev, 8, d8, 40, false), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_data(&f->dev, false, 0), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_slot(&f->dev, 5, back, 36), MOAT_ATECC_OK);
    assert_memory_equal(back, d5, 36);
    assert_int_equal(moat_atecc_read_slot(&f->dev, 10, back, 72), MOAT_ATECC_OK);
    assert_memory_equal(back, d10, 72);
    assert_int_equal(moat_atecc_read_slot(&f->dev, 8, back, 64), MOAT_ATECC_OK);
    assert_memory_equal(back, d8, 40);
    static const uint8_t zeros[24];
    assert_memory_equal(back + 40, zeros, 24); /* the padded rest of the block */
}

static void test_4_byte_write_before_the_data_lock_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(moat_atecc_lock_config_zone(&f->dev), MOAT_ATECC_OK);
    const uint8_t word[4] = {1, 2, 3, 4};
    moat_atecc_status st = moat_atecc_write_zone(&f->dev, MOAT_ATECC_ZONE_DATA, 8, 0, 0, word, 4);
    assert_int_equal(st, MOAT_ATECC_ERR_EXECUTION);
}

/* ---- provisioned chip ---- */

static void test_random_after_lock_is_not_repeated(void **state)
{
    fixture *f = *state;
    uint8_t a[32], b[32];
    assert_int_equal(moat_atecc_random(&f->dev, a), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_random(&f->dev, b), MOAT_ATECC_OK);
    assert_memory_not_equal(a, b, 32);
}

static void test_sign_digest_verifies_with_openssl(void **state)
{
    fixture *f = *state;
    uint8_t digest[32], sig[64];
    SHA256((const uint8_t *)"hello", 5, digest);
    assert_int_equal(moat_atecc_sign_digest(&f->dev, 0, digest, sig), MOAT_ATECC_OK);
    assert_int_equal(p256_verify(f->pub0, digest, sig), 1);
    digest[0] ^= 1;
    assert_int_not_equal(p256_verify(f->pub0, digest, sig), 1);
    assert_int_equal(f->dev.stats.commands[MOAT_ATECC_KIND_NONCE], 1);
    assert_int_equal(f->dev.stats.commands[MOAT_ATECC_KIND_SIGN], 1);
}

static void test_sign_from_tempkey_verifies(void **state)
{
    fixture *f = *state;
    uint8_t digest[32], sig[64];
    SHA256((const uint8_t *)"tempkey", 7, digest);
    moat_atecc_hold(&f->dev, true);
    assert_int_equal(moat_atecc_nonce_load(&f->dev, MOAT_ATECC_TARGET_TEMPKEY, digest, 32),
                     MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_sign_loaded(&f->dev, 0, MOAT_ATECC_TARGET_TEMPKEY, sig),
                     MOAT_ATECC_OK);
    moat_atecc_hold(&f->dev, false);
    assert_int_equal(p256_verify(f->pub0, digest, sig), 1);
}

static void test_sign_with_a_data_slot_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t digest[32] = {1}, sig[64];
    assert_int_equal(moat_atecc_sign_digest(&f->dev, 8, digest, sig), MOAT_ATECC_ERR_EXECUTION);
}

static void test_verify_extern_accepts_good_and_rejects_tampered(void **state)
{
    fixture *f = *state;
    uint8_t digest[32], sig[64];
    SHA256((const uint8_t *)"verify me", 9, digest);
    assert_int_equal(moat_atecc_sign_digest(&f->dev, 0, digest, sig), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_verify_extern(&f->dev, digest, sig, f->pub0), MOAT_ATECC_OK);
    sig[10] ^= 0x40;
    assert_int_equal(moat_atecc_verify_extern(&f->dev, digest, sig, f->pub0),
                     MOAT_ATECC_ERR_MISCOMPARE);
    assert_int_equal(f->dev.last_chip_status, 0x01);
}

static void test_ecdh_secret_matches_openssl_on_the_other_side(void **state)
{
    fixture *f = *state;
    EVP_PKEY *peer = EVP_EC_gen("prime256v1");
    uint8_t peer_xy[64], secret[32], expect[32];
    p256_xy_of(peer, peer_xy);
    assert_int_equal(moat_atecc_ecdh(&f->dev, 0, peer_xy, secret), MOAT_ATECC_OK);

    p256_ecdh(peer, f->pub0, expect);
    assert_memory_equal(secret, expect, 32);
    EVP_PKEY_free(peer);
}

static void test_ecdh_into_tempkey_returns_no_secret(void **state)
{
    fixture *f = *state;
    EVP_PKEY *peer = EVP_EC_gen("prime256v1");
    uint8_t peer_xy[64];
    p256_xy_of(peer, peer_xy);
    assert_int_equal(moat_atecc_ecdh_to_tempkey(&f->dev, 0, peer_xy), MOAT_ATECC_OK);
    EVP_PKEY_free(peer);
}

static void test_ecdh_into_the_next_slot(void **state)
{
    fixture *f = *state;
    EVP_PKEY *peer = EVP_EC_gen("prime256v1");
    uint8_t peer_xy[64], clear[32], pub4[64];
    p256_xy_of(peer, peer_xy);
    assert_int_equal(moat_atecc_genkey(&f->dev, 4, pub4), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_ecdh(&f->dev, 4, peer_xy, clear), MOAT_ATECC_OK);
    /* slot 4's secret lands in slot 5 (clear-readable data in the layout) */
    assert_int_equal(moat_atecc_ecdh_to_slot(&f->dev, 4, peer_xy), MOAT_ATECC_OK);
    uint8_t slot5[32];
    assert_int_equal(moat_atecc_read_slot(&f->dev, 5, slot5, 32), MOAT_ATECC_OK);
    assert_memory_equal(slot5, clear, 32);
    EVP_PKEY_free(peer);
}

static void test_ecdh_with_a_point_off_the_curve_is_an_ecc_fault(void **state)
{
    fixture *f = *state;
    uint8_t bad[64], secret[32];
    memset(bad, 0x11, sizeof bad);
    moat_atecc_status st = moat_atecc_ecdh(&f->dev, 0, bad, secret);
    assert_true(st == MOAT_ATECC_ERR_ECC_FAULT || st == MOAT_ATECC_ERR_EXECUTION);
}

static void test_genkey_on_a_public_key_slot_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t pub[64];
    assert_int_equal(moat_atecc_genkey(&f->dev, 11, pub), MOAT_ATECC_ERR_EXECUTION);
    assert_int_equal(moat_atecc_get_pubkey(&f->dev, 11, pub), MOAT_ATECC_ERR_EXECUTION);
}

static void test_genkey_on_a_spare_key_slot_gives_a_new_key(void **state)
{
    fixture *f = *state;
    uint8_t a[64], b[64];
    assert_int_equal(moat_atecc_genkey(&f->dev, 2, a), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_get_pubkey(&f->dev, 2, b), MOAT_ATECC_OK);
    assert_memory_equal(a, b, 64);
    assert_memory_not_equal(a, f->pub0, 64);
}

static void test_read_of_a_private_key_slot_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t buf[36];
    assert_int_equal(moat_atecc_read_slot(&f->dev, 0, buf, 32), MOAT_ATECC_ERR_EXECUTION);
    assert_int_equal(f->dev.last_chip_status, 0x0F);
}

static void test_read_of_a_secret_data_slot_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t buf[32];
    assert_int_equal(moat_atecc_read_slot(&f->dev, 6, buf, 32), MOAT_ATECC_ERR_EXECUTION);
}

/* Writes `len` bytes of the pattern i * mul + add to a data slot and reads them back. */
static void assert_slot_round_trips(moat_atecc *dev, uint8_t slot, size_t len, unsigned mul,
                                    unsigned add)
{
    uint8_t data[416], back[416];
    assert_true(len <= sizeof data);
    for (size_t i = 0; i < len; i++)
        data[i] = (uint8_t)(i * mul + add);
    assert_int_equal(moat_atecc_write_slot(dev, slot, data, len, true), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_slot(dev, slot, back, len), MOAT_ATECC_OK);
    assert_memory_equal(data, back, len);
}

static void test_slot8_round_trips_416_bytes(void **state)
{
    fixture *f = *state;
    assert_slot_round_trips(&f->dev, 8, 416, 7, 3);
}

static void test_72_byte_slot_round_trips_with_partial_last_block(void **state)
{
    fixture *f = *state;
    assert_slot_round_trips(&f->dev, 10, 72, 1, 0xA0);
}

static void test_36_byte_slot_round_trips(void **state)
{
    fixture *f = *state;
    assert_slot_round_trips(&f->dev, 5, 36, 1, 0x10);
}

static void test_write_to_a_private_key_slot_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t data[32] = {0};
    assert_int_equal(moat_atecc_write_slot(&f->dev, 0, data, 32, true), MOAT_ATECC_ERR_EXECUTION);
}

static void test_locked_slot_refuses_writes(void **state)
{
    fixture *f = *state;
    uint8_t data[72] = {1, 2, 3};
    assert_int_equal(moat_atecc_write_slot(&f->dev, 10, data, 72, true), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_lock_slot(&f->dev, 10), MOAT_ATECC_OK);
    moat_atecc_lock_state l;
    assert_int_equal(moat_atecc_read_locks(&f->dev, &l), MOAT_ATECC_OK);
    assert_true(l.slot_locked & (1u << 10));
    assert_int_equal(moat_atecc_write_slot(&f->dev, 10, data, 32, true), MOAT_ATECC_ERR_EXECUTION);
    uint8_t back[3];
    assert_int_equal(moat_atecc_read_slot(&f->dev, 10, back, 3), MOAT_ATECC_OK);
    assert_memory_equal(back, data, 3);
}

static void test_lock_of_a_slot_not_lockable_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(moat_atecc_lock_slot(&f->dev, 7), MOAT_ATECC_ERR_EXECUTION);
}

static void test_lock_data_twice_is_refused(void **state)
{
    fixture *f = *state;
    assert_int_equal(moat_atecc_lock_data(&f->dev, false, 0), MOAT_ATECC_ERR_EXECUTION);
}

static void test_read_beyond_the_slot_is_a_host_bad_arg(void **state)
{
    fixture *f = *state;
    uint8_t buf[80];
    int writes = f->t.writes;
    assert_int_equal(moat_atecc_read_slot(&f->dev, 10, buf, 73), MOAT_ATECC_ERR_BAD_ARG);
    assert_int_equal(moat_atecc_read_slot(&f->dev, 16, buf, 4), MOAT_ATECC_ERR_BAD_ARG);
    assert_int_equal(moat_atecc_read_zone(&f->dev, MOAT_ATECC_ZONE_DATA, 0, 2, 0, buf, 32),
                     MOAT_ATECC_ERR_BAD_ARG);
    assert_int_equal(f->t.writes, writes); /* nothing was sent */
}

static void test_read_otp_returns_64_bytes(void **state)
{
    fixture *f = *state;
    uint8_t otp[64];
    assert_int_equal(moat_atecc_read_otp(&f->dev, otp), MOAT_ATECC_OK);
}

static void test_nonce_random_returns_32_bytes(void **state)
{
    fixture *f = *state;
    uint8_t num_in[20] = {9}, out1[32], out2[32];
    assert_int_equal(moat_atecc_nonce_random(&f->dev, num_in, out1), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_nonce_random(&f->dev, num_in, out2), MOAT_ATECC_OK);
    assert_memory_not_equal(out1, out2, 32);
}

static void test_nonce_load_takes_32_or_64_bytes_only(void **state)
{
    fixture *f = *state;
    uint8_t d[64] = {0};
    assert_int_equal(moat_atecc_nonce_load(&f->dev, MOAT_ATECC_TARGET_TEMPKEY, d, 64),
                     MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_nonce_load(&f->dev, MOAT_ATECC_TARGET_MSGDIGBUF, d, 32),
                     MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_nonce_load(&f->dev, MOAT_ATECC_TARGET_TEMPKEY, d, 20),
                     MOAT_ATECC_ERR_BAD_ARG);
}

static void test_sha256_matches_openssl(void **state)
{
    fixture *f = *state;
    uint8_t msg[200], got[32], want[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)i;
    size_t lens[] = {0, 3, 63, 64, 65, 200};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        assert_int_equal(moat_atecc_sha256(&f->dev, msg, lens[i], got), MOAT_ATECC_OK);
        SHA256(msg, lens[i], want);
        assert_memory_equal(got, want, 32);
    }
}

/* SHA mode Public's message format is not in any public source, so the emulator refuses the
 * mode as the chip refuses an unknown mode (docs/emulator.md); the driver reports it by name. */
static void test_sha_public_is_refused_by_the_emulator_with_a_parse_error(void **state)
{
    fixture *f = *state;
    moat_atecc_hold(&f->dev, true);
    assert_int_equal(moat_atecc_sha_start(&f->dev), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_sha_public(&f->dev, 11), MOAT_ATECC_ERR_PARSE);
    assert_int_equal(f->dev.last_chip_status, MOAT_ATECC_STATUS_PARSE);
    moat_atecc_hold(&f->dev, false);
}

static void test_counter_increments_and_reads_back(void **state)
{
    fixture *f = *state;
    uint32_t v0 = 99, v1 = 99, v2 = 99;
    assert_int_equal(moat_atecc_counter(&f->dev, 1, false, &v0), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_counter(&f->dev, 1, true, &v1), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_counter(&f->dev, 1, false, &v2), MOAT_ATECC_OK);
    assert_int_equal(v1, v0 + 1);
    assert_int_equal(v2, v1);
    assert_int_equal(moat_atecc_counter(&f->dev, 2, false, &v0), MOAT_ATECC_ERR_BAD_ARG);
}

static void test_selftest_of_rng_ecdh_sha_passes(void **state)
{
    fixture *f = *state;
    uint8_t failed = 0xAA;
    assert_int_equal(moat_atecc_selftest(&f->dev, 0x01 | 0x08 | 0x20, &failed), MOAT_ATECC_OK);
    assert_int_equal(failed, 0);
}

static void test_selftest_of_ecdsa_sign_verify_bit_0x02_passes(void **state)
{
    fixture *f = *state;
    uint8_t failed = 0xAA;
    assert_int_equal(moat_atecc_selftest(&f->dev, 0x02, &failed), MOAT_ATECC_OK);
    assert_int_equal(failed, 0);
}

static void test_selftest_of_all_tests_0x3b_passes(void **state)
{
    fixture *f = *state;
    uint8_t failed = 0xAA;
    assert_int_equal(moat_atecc_selftest(&f->dev, 0x3B, &failed), MOAT_ATECC_OK);
    assert_int_equal(failed, 0);
}

static void test_selftest_bit_0x04_selects_no_test_and_is_a_parse_error(void **state)
{
    fixture *f = *state;
    uint8_t failed = 0;
    assert_int_equal(moat_atecc_selftest(&f->dev, 0x04, &failed), MOAT_ATECC_ERR_PARSE);
}

static void test_selftest_with_an_undefined_mode_bit_is_a_parse_error(void **state)
{
    fixture *f = *state;
    uint8_t failed = 0;
    assert_int_equal(moat_atecc_selftest(&f->dev, 0x40, &failed), MOAT_ATECC_ERR_PARSE);
}

static void test_update_extra_writes_once_only(void **state)
{
    fixture *f = *state;
    assert_int_equal(moat_atecc_update_extra(&f->dev, 0, 0x5A), MOAT_ATECC_OK);
    uint8_t cfg[128];
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    assert_int_equal(cfg[84], 0x5A);
    assert_int_equal(moat_atecc_update_extra(&f->dev, 0, 0x11), MOAT_ATECC_ERR_EXECUTION);
}

static void test_state_survives_reopening_the_image(void **state)
{
    fixture *f = *state;
    th_reopen(&f->t); /* power cycle; over the socket, a moat-se restart */
    uint8_t pub[64];
    assert_int_equal(moat_atecc_get_pubkey(&f->dev, 0, pub), MOAT_ATECC_OK);
    assert_memory_equal(pub, f->pub0, 64);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define B(fn) cmocka_unit_test_setup_teardown(fn, setup_blank, teardown)
#define P(fn) cmocka_unit_test_setup_teardown(fn, setup_provisioned, teardown)
        B(test_info_revision_identifies_an_atecc608),
        B(test_serial_number_is_config_bytes_0_3_and_8_12),
        B(test_random_on_unlocked_chip_is_the_fixed_pattern),
        B(test_blank_chip_reports_both_zones_unlocked),
        B(test_write_config_then_read_back_the_layout),
        B(test_lock_config_with_wrong_crc_is_refused),
        B(test_lock_config_zone_twice_is_refused_on_the_host),
        B(test_write_to_locked_config_zone_is_refused),
        B(test_lock_data_with_wrong_crc_is_refused),
        B(test_config_word_writes_and_reads_4_bytes),
        B(test_otp_written_before_the_data_lock_reads_back_after),
        B(test_4_byte_write_before_the_data_lock_is_refused),
        B(test_slots_written_before_the_data_lock_read_back_after),
        B(test_provision_locks_both_zones_and_makes_the_slot0_key),
        B(test_provision_resumes_on_a_locked_chip),
        P(test_random_after_lock_is_not_repeated),
        P(test_sign_digest_verifies_with_openssl),
        P(test_sign_from_tempkey_verifies),
        P(test_sign_with_a_data_slot_is_refused),
        P(test_verify_extern_accepts_good_and_rejects_tampered),
        P(test_ecdh_secret_matches_openssl_on_the_other_side),
        P(test_ecdh_into_tempkey_returns_no_secret),
        P(test_ecdh_into_the_next_slot),
        P(test_ecdh_with_a_point_off_the_curve_is_an_ecc_fault),
        P(test_genkey_on_a_public_key_slot_is_refused),
        P(test_genkey_on_a_spare_key_slot_gives_a_new_key),
        P(test_read_of_a_private_key_slot_is_refused),
        P(test_read_of_a_secret_data_slot_is_refused),
        P(test_slot8_round_trips_416_bytes),
        P(test_72_byte_slot_round_trips_with_partial_last_block),
        P(test_36_byte_slot_round_trips),
        P(test_write_to_a_private_key_slot_is_refused),
        P(test_locked_slot_refuses_writes),
        P(test_lock_of_a_slot_not_lockable_is_refused),
        P(test_lock_data_twice_is_refused),
        P(test_read_beyond_the_slot_is_a_host_bad_arg),
        P(test_read_otp_returns_64_bytes),
        P(test_nonce_random_returns_32_bytes),
        P(test_nonce_load_takes_32_or_64_bytes_only),
        P(test_sha256_matches_openssl),
        P(test_sha_public_is_refused_by_the_emulator_with_a_parse_error),
        P(test_counter_increments_and_reads_back),
        P(test_selftest_of_rng_ecdh_sha_passes),
        P(test_selftest_of_ecdsa_sign_verify_bit_0x02_passes),
        P(test_selftest_of_all_tests_0x3b_passes),
        P(test_selftest_bit_0x04_selects_no_test_and_is_a_parse_error),
        P(test_selftest_with_an_undefined_mode_bit_is_a_parse_error),
        P(test_update_extra_writes_once_only),
        P(test_state_survives_reopening_the_image),
#undef B
#undef P
    };
    over_socket = false;
    int failed = cmocka_run_group_tests_name("in-process emulator", tests, NULL, NULL);
    over_socket = true;
    failed += cmocka_run_group_tests_name("moat-se over its socket", tests, NULL, NULL);
    return failed;
}
