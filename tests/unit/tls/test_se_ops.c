/* test_se_ops.c - the secure-element interface's ECDH and random through moat_se_open, on an
 * (emulated) ATECC608 key and a PEM file key: each backend agrees with the other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "moat/se.h"
#include "moat/se_atecc.h"
#include "moat_peer.h"

static char dir[64];
static moat_se *chip, *file;

static int group_setup(void **state)
{
    (void)state;
    peer_tmpdir(dir, sizeof dir);
    if (peer_sh("openssl ecparam -name prime256v1 -genkey -noout -out %s/k.pem", dir) != 0)
        return -1;
    char loc[128], err[512];
    snprintf(loc, sizeof loc, "file:%s/k.pem", dir);
    if (moat_se_open(loc, 0, &file, err, sizeof err) != MOAT_SE_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    snprintf(loc, sizeof loc, "emu:%s/chip.img", dir);
    if (moat_se_open(loc, 0, &chip, err, sizeof err) != MOAT_SE_OK) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    /* Provisioning locks the chip (real random from then on) and creates the slot 0 key. */
    uint8_t pub[64];
    moat_atecc_provision_report rep;
    return moat_atecc_provision(moat_se_atecc_device(chip), pub, &rep) == MOAT_ATECC_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    moat_se_close(chip);
    moat_se_close(file);
    peer_sh("rm -rf %s", dir);
    return 0;
}

static void test_ecdh_secret_agrees_between_chip_and_file_keys(void **state)
{
    (void)state;
    uint8_t chip_pub[64], file_pub[64], on_chip[32], in_file[32], zero[32] = {0};
    assert_int_equal(moat_se_public_key(chip, chip_pub), MOAT_SE_OK);
    assert_int_equal(moat_se_public_key(file, file_pub), MOAT_SE_OK);
    uint32_t before = chip->counters.ecdh;
    assert_int_equal(moat_se_ecdh(chip, file_pub, on_chip), MOAT_SE_OK);
    assert_int_equal(moat_se_ecdh(file, chip_pub, in_file), MOAT_SE_OK);
    assert_memory_equal(on_chip, in_file, 32);
    assert_memory_not_equal(on_chip, zero, 32);
    assert_int_equal(chip->counters.ecdh, before + 1);
}

static void test_ecdh_with_a_point_off_the_curve_fails_and_says_which_command(void **state)
{
    (void)state;
    uint8_t bad[64], secret[32];
    memset(bad, 0x11, sizeof bad);
    assert_int_equal(moat_se_ecdh(chip, bad, secret), MOAT_SE_ERR_DEVICE);
    assert_non_null(strstr(chip->detail, "ECDH (slot 0) failed"));
    assert_int_equal(moat_se_ecdh(file, bad, secret), MOAT_SE_ERR_DEVICE);
}

/* 40 bytes: more than one 32-byte chip Random, so the tail comes from a second command. */
static void random_is_fresh_past_one_block(moat_se *se)
{
    uint8_t a[40], b[40], zero[8] = {0};
    assert_int_equal(moat_se_random(se, a, sizeof a), MOAT_SE_OK);
    assert_int_equal(moat_se_random(se, b, sizeof b), MOAT_SE_OK);
    assert_memory_not_equal(a, b, sizeof a);
    assert_memory_not_equal(a + 32, zero, 8);
    assert_memory_not_equal(a + 32, a, 8);
}

static void test_random_from_the_chip_is_fresh_past_one_block(void **state)
{
    (void)state;
    random_is_fresh_past_one_block(chip);
}

static void test_random_from_the_file_backend_is_fresh(void **state)
{
    (void)state;
    random_is_fresh_past_one_block(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ecdh_secret_agrees_between_chip_and_file_keys),
        cmocka_unit_test(test_ecdh_with_a_point_off_the_curve_fails_and_says_which_command),
        cmocka_unit_test(test_random_from_the_chip_is_fresh_past_one_block),
        cmocka_unit_test(test_random_from_the_file_backend_is_fresh),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
