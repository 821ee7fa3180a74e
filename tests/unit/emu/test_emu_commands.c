/* test_emu_commands.c - Info, Random, Nonce, SHA, Counter, SelfTest and UpdateExtra on the
 * emulator: success paths with known answers, and each refusal's status. */
#include "emu_harness.h"

#include <openssl/evp.h>

#define EXEC MOAT_ATECC_STATUS_EXECUTION
#define PARSE MOAT_ATECC_STATUS_PARSE

static void sha256(const uint8_t *m, size_t n, uint8_t out[32])
{
    unsigned int len = 0;
    assert_int_equal(EVP_Digest(m, n, out, &len, EVP_sha256(), NULL), 1);
}

static void test_info_revision_is_608b(void **state)
{
    harness *h = *state;
    h_wake(h);
    h_cmd_data(h, MOAT_ATECC_OP_INFO, 0x00, 0, NULL, 0, 4);
    const uint8_t want[4] = {0x00, 0x00, 0x60, 0x03};
    assert_memory_equal(h->rsp, want, 4);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0x03, 0, NULL, 0), PARSE); /* GPIO */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0x01, 16, NULL, 0), PARSE);
}

static void test_info_keyvalid_is_zero_for_empty_slot(void **state)
{
    harness *h = *state;
    h_wake(h);
    h_cmd_data(h, MOAT_ATECC_OP_INFO, 0x01, 0, NULL, 0, 4);
    assert_int_equal(h->rsp[0], 0);
}

static void test_info_volatile_key_permit_needs_config_enable(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0x04, 0x0003, NULL, 0), EXEC);
    h_cmd_data(h, MOAT_ATECC_OP_INFO, 0x04, 0x0000, NULL, 0, 4);
    assert_int_equal(h->rsp[0], 0);
}

static void test_random_is_fixed_pattern_while_config_unlocked(void **state)
{
    harness *h = *state;
    h_wake(h);
    h_cmd_data(h, MOAT_ATECC_OP_RANDOM, 0x00, 0, NULL, 0, 32);
    for (size_t i = 0; i < 32; i += 4) {
        const uint8_t pat[4] = {0xFF, 0xFF, 0x00, 0x00};
        assert_memory_equal(h->rsp + i, pat, 4);
    }
}

static void test_random_is_random_after_config_lock(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    uint8_t a[32];
    h_cmd_data(h, MOAT_ATECC_OP_RANDOM, 0x00, 0, NULL, 0, 32);
    memcpy(a, h->rsp, 32);
    h_cmd_data(h, MOAT_ATECC_OP_RANDOM, 0x00, 0, NULL, 0, 32);
    assert_memory_not_equal(a, h->rsp, 32);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_RANDOM, 0x02, 0, NULL, 0), PARSE);
}

/* Random Nonce: TempKey = SHA-256(RandOut || NumIn || 0x16 || mode || 0x00). A second Nonce
 * with param2 0x8000 hashes that TempKey in place of RandOut and returns the result, so the
 * first TempKey is checked through a known answer. */
static void test_nonce_random_mode_derives_tempkey_from_randout_and_numin(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    uint8_t numin[20];
    memset(numin, 0x21, sizeof numin);
    h_cmd_data(h, MOAT_ATECC_OP_NONCE, 0x00, 0, numin, 20, 32);
    uint8_t msg[55], tempkey[32];
    memcpy(msg, h->rsp, 32);
    memcpy(msg + 32, numin, 20);
    msg[52] = 0x16;
    msg[53] = 0x00;
    msg[54] = 0x00;
    sha256(msg, sizeof msg, tempkey);
    h_cmd_data(h, MOAT_ATECC_OP_NONCE, 0x01, 0x8000, numin, 20, 32);
    memcpy(msg, tempkey, 32);
    msg[53] = 0x01;
    uint8_t want[32];
    sha256(msg, sizeof msg, want);
    assert_memory_equal(h->rsp, want, 32);
}

static void test_nonce_refusals(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint8_t d[64] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x01, 0x8000, d, 20), EXEC); /* no TempKey */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x02, 0, d, 20), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x00, 0, d, 32), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0xC3, 0, d, 32), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0xA3, 0, d, 64), PARSE); /* 64 to AltKey */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x23, 0, d, 64), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x83, 0, d, 32), 0);
}

static void test_sha_start_update_end_matches_sha256(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint8_t msg[100], want[32];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7);
    sha256(msg, sizeof msg, want);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x00, 0, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x01, 64, msg, 64), 0);
    h_cmd_data(h, MOAT_ATECC_OP_SHA, 0x02, 36, msg + 64, 36, 32);
    assert_memory_equal(h->rsp, want, 32);
    /* the digest also landed in TempKey (target 0x00) */
    h_cmd_data(h, MOAT_ATECC_OP_INFO, 0x02, 0, NULL, 0, 4);
    assert_true(h->rsp[1] & 0x80);
}

static void test_sha_refusals(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint8_t d[64] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x01, 64, d, 64), EXEC); /* no start */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x02, 0, NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x00, 0, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x01, 60, d, 64), PARSE);  /* length */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x04, 0, NULL, 0), PARSE); /* HMAC */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x82, 0, NULL, 0), PARSE); /* target */
}

static void test_sha_context_is_lost_on_sleep(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0x00, 0, NULL, 0), 0);
    const uint8_t sleep = MOAT_ATECC_WA_SLEEP;
    moat_emu_i2c_write(h->emu, H_ADDR, &sleep, 1);
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SHA, 0xC2, 0, NULL, 0), EXEC);
}

static uint32_t counter(harness *h, uint8_t mode, uint16_t id)
{
    h_cmd_data(h, MOAT_ATECC_OP_COUNTER, mode, id, NULL, 0, 4);
    return (uint32_t)h->rsp[0] | (uint32_t)h->rsp[1] << 8 | (uint32_t)h->rsp[2] << 16 |
           (uint32_t)h->rsp[3] << 24;
}

static void test_counter_reads_and_increments_and_persists(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(counter(h, 0, 1), 0);
    for (uint32_t i = 1; i <= 40; i++)
        assert_int_equal(counter(h, 1, 1), i);
    assert_int_equal(counter(h, 0, 0), 0);
    moat_emu_close(h->emu);
    h_reopen(h);
    h_wake(h);
    assert_int_equal(counter(h, 0, 1), 40);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_COUNTER, 0, 2, NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_COUNTER, 2, 0, NULL, 0), PARSE);
}

/* Config encoding from cryptoauthlib: value 2,097,151 is the maximum. */
static void test_counter_refuses_to_count_past_the_maximum(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint32_t v = 2097150;
    uint8_t enc[8];
    unsigned f[4] = {0xFFFFu >> (v % 32), 0xFFFFu >> ((v - 16) % 32), v / 32, (v - 16) / 32};
    for (unsigned i = 0; i < 4; i++) {
        enc[2 * i] = (uint8_t)(f[i] >> 8);
        enc[2 * i + 1] = (uint8_t)f[i];
    }
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0, h_cfg_addr(52), enc, 4), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0, h_cfg_addr(56), enc + 4, 4), 0);
    assert_int_equal(counter(h, 0, 0), 2097150);
    assert_int_equal(counter(h, 1, 0), 2097151);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_COUNTER, 1, 0, NULL, 0), EXEC);
}

/* Sends a raw SelfTest packet (its CRC included) and checks the one-byte answer 0x00, all
 * selected tests passed, in a 4-byte response (count, status, CRC). */
static void assert_selftest_raw_passes(harness *h, const uint8_t pkt[7])
{
    const uint8_t want[4] = {0x04, 0x00, 0x03, 0x40};
    uint8_t got[4];
    h_wake(h);
    h_send_raw(h, pkt, 7);
    const uint8_t reset = MOAT_ATECC_WA_RESET;
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &reset, 1), MOAT_EMU_ACK);
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, got, 4), MOAT_EMU_ACK);
    assert_memory_equal(got, want, 4);
}

/* Mode bits as cryptoauthlib's SELFTEST_MODE_*: ECDSA sign/verify is 0x02. */
static void test_selftest_ecdsa_mode_0x02_runs_and_passes(void **state)
{
    const uint8_t pkt[7] = {0x07, 0x77, 0x02, 0x00, 0x00, 0x2D, 0xF0};
    assert_selftest_raw_passes(*state, pkt);
}

static void test_selftest_all_mode_0x3b_passes(void **state)
{
    const uint8_t pkt[7] = {0x07, 0x77, 0x3B, 0x00, 0x00, 0x9D, 0xFB};
    assert_selftest_raw_passes(*state, pkt);
}

/* Bit 2 (0x04) selects no test on the 608: 0x04 alone, the old "all" 0x3D and 0x3F are
 * parse errors, as are bits 6 and 7. */
static void test_selftest_bit_0x04_is_not_a_test_and_is_a_parse_error(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t bad[] = {0x04, 0x3D, 0x3F, 0x40, 0x80};
    for (size_t i = 0; i < sizeof bad; i++)
        assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SELFTEST, bad[i], 0, NULL, 0), PARSE);
}

static void test_selftest_each_single_test_passes(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t bits[] = {0x01, 0x02, 0x08, 0x10, 0x20};
    for (size_t i = 0; i < sizeof bits; i++)
        assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SELFTEST, bits[i], 0, NULL, 0), 0);
}

static void test_selftest_mode_0_reads_the_last_result(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SELFTEST, 0x3B, 0, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SELFTEST, 0x00, 0, NULL, 0), 0);
}

static void test_selftest_refuses_param2_and_data(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t four[4] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SELFTEST, 0x02, 1, NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_SELFTEST, 0x02, 0, four, 4), PARSE);
}

static void test_updateextra_writes_once(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_UPDATEEXTRA, 0x00, 0x5A, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_UPDATEEXTRA, 0x00, 0x11, NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_UPDATEEXTRA, 0x01, 0x6C, NULL, 0), 0);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x00, h_cfg_addr(84), NULL, 0, 4);
    assert_int_equal(h->rsp[0], 0x5A);
    assert_int_equal(h->rsp[1], 0x6C);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_UPDATEEXTRA, 0x02, 0, NULL, 0), PARSE);
}

static void test_updateextra_address_used_when_chipmode_bit0_set(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t word[4] = {0xC0, 0x00, 0x00, 0x01}; /* ChipMode bit 0 */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(16), word, 4), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_UPDATEEXTRA, 0x01, 0x6C, NULL, 0), 0);
    const uint8_t sleep = MOAT_ATECC_WA_SLEEP;
    moat_emu_i2c_write(h->emu, H_ADDR, &sleep, 1);
    moat_emu_wake(h->emu);
    uint8_t w[4];
    assert_int_equal(moat_emu_i2c_read(h->emu, 0x36, w, 4), MOAT_EMU_ACK);
    assert_int_equal(w[1], 0x11);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(test_info_revision_is_608b),
        T(test_info_keyvalid_is_zero_for_empty_slot),
        T(test_info_volatile_key_permit_needs_config_enable),
        T(test_random_is_fixed_pattern_while_config_unlocked),
        T(test_random_is_random_after_config_lock),
        T(test_nonce_random_mode_derives_tempkey_from_randout_and_numin),
        T(test_nonce_refusals),
        T(test_sha_start_update_end_matches_sha256),
        T(test_sha_refusals),
        T(test_sha_context_is_lost_on_sleep),
        T(test_counter_reads_and_increments_and_persists),
        T(test_counter_refuses_to_count_past_the_maximum),
        T(test_selftest_ecdsa_mode_0x02_runs_and_passes),
        T(test_selftest_all_mode_0x3b_passes),
        T(test_selftest_bit_0x04_is_not_a_test_and_is_a_parse_error),
        T(test_selftest_each_single_test_passes),
        T(test_selftest_mode_0_reads_the_last_result),
        T(test_selftest_refuses_param2_and_data),
        T(test_updateextra_writes_once),
        T(test_updateextra_address_used_when_chipmode_bit0_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
