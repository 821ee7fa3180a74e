/* test_emu_zones.c - Read, Write and Lock against the config, OTP and data zones: address
 * encoding, lock states, SlotConfig/KeyConfig permissions and the refusals a chip gives. */
#include "emu_harness.h"

#define EXEC MOAT_ATECC_STATUS_EXECUTION
#define PARSE MOAT_ATECC_STATUS_PARSE

static void test_config_read_returns_serial_and_factory_address(void **state)
{
    harness *h = *state;
    h_wake(h);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x80, 0x0000, NULL, 0, 32);
    const uint8_t sn03[4] = {0x01, 0x23, 0x4D, 0x4F};
    assert_memory_equal(h->rsp, sn03, 4);
    assert_int_equal(h->rsp[12], 0xEE);
    assert_int_equal(h->rsp[16], 0xC0);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x00, h_cfg_addr(84), NULL, 0, 4);
    const uint8_t locks[4] = {0x00, 0x00, 0x55, 0x55};
    assert_memory_equal(h->rsp, locks, 4);
}

static void test_config_bytes_0_to_15_are_not_writable(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t w[4] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(0), w, 4), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(12), w, 4), EXEC);
    uint8_t blk[32] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x80, 0x0000, blk, 32), EXEC);
}

static void test_config_bytes_84_to_87_need_updateextra_or_lock(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t w[4] = {0, 0, 0, 0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(84), w, 4), EXEC);
    uint8_t blk[32] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x80, h_cfg_addr(64), blk, 32), EXEC);
}

static void test_config_write_then_read_back(void **state)
{
    harness *h = *state;
    h_wake(h);
    h_write_config(h);
    uint8_t want[128], got[128];
    h_test_config(want);
    h_read_config(h, got);
    assert_memory_equal(got + 16, want + 16, 84 - 16);
    assert_memory_equal(got + 88, want + 88, 128 - 88);
}

static void test_lock_config_with_wrong_crc_is_refused(void **state)
{
    harness *h = *state;
    h_wake(h);
    h_write_config(h);
    uint8_t cfg[128];
    h_read_config(h, cfg);
    uint16_t crc = h_crc16(cfg, 128);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x00, (uint16_t)(crc ^ 1u), NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x00, crc, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x00, crc, NULL, 0), EXEC); /* again */
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x00, h_cfg_addr(84), NULL, 0, 4);
    assert_int_equal(h->rsp[3], 0x00); /* LockConfig */
    assert_int_equal(h->rsp[2], 0x55); /* LockValue: data still unlocked */
}

static void test_config_write_after_lock_is_refused(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    const uint8_t w[4] = {0xC0, 0, 0, 0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(16), w, 4), EXEC);
}

static void test_data_write_before_config_lock_is_refused(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint8_t blk[32] = {1};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x82, h_slot_addr(8, 0), blk, 32), EXEC);
}

static void test_before_data_lock_only_32_byte_writes_and_no_reads(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    uint8_t blk[32];
    memset(blk, 0xAB, sizeof blk);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x02, h_slot_addr(8, 0), blk, 4), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x82, h_slot_addr(8, 0), blk, 32), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x81, 0x0000, blk, 32), 0); /* OTP */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x82, h_slot_addr(8, 0), NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x01, 0x0000, NULL, 0), EXEC);
}

static void test_lock_data_checks_summary_crc_over_slots_and_otp(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    uint8_t blk[32];
    memset(blk, 0x5A, sizeof blk);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x82, h_slot_addr(8, 1), blk, 32), 0);
    /* Expected contents: every non-private slot (private: 0, 1, 2, 4) then OTP, zeros except
     * slot 8 bytes 32..63. */
    static uint8_t all[1208 + 64];
    size_t n = 0;
    for (uint8_t s = 0; s < 16; s++) {
        if (s == 0 || s == 1 || s == 2 || s == 4)
            continue;
        memset(all + n, 0, moat_atecc_slot_size(s));
        if (s == 8)
            memcpy(all + n + 32, blk, 32);
        n += moat_atecc_slot_size(s);
    }
    memset(all + n, 0, 64);
    n += 64;
    uint16_t crc = h_crc16(all, n);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x01, (uint16_t)(crc + 1u), NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x01, crc, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x01, crc, NULL, 0), EXEC);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x82, h_slot_addr(8, 1), NULL, 0, 32);
    assert_memory_equal(h->rsp, blk, 32);
}

static void test_lock_data_needs_config_lock(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x81, 0, NULL, 0), EXEC);
}

static void test_private_key_slot_is_never_readable(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x82, h_slot_addr(0, 0), NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x02, h_slot_addr(0, 0), NULL, 0), EXEC);
}

static void test_secret_slot_is_not_readable_in_clear(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x82, h_slot_addr(7, 0), NULL, 0), EXEC);
}

static void test_write_to_private_key_slot_is_refused(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    uint8_t blk[32] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x82, h_slot_addr(0, 0), blk, 32), EXEC);
}

static void test_public_key_slot_round_trips_in_three_blocks(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t stored[96];
    for (size_t i = 0; i < sizeof stored; i++)
        stored[i] = (uint8_t)(i + 1);
    for (uint8_t b = 0; b < 3; b++)
        assert_int_equal(
            h_cmd(h, MOAT_ATECC_OP_WRITE, 0x82, h_slot_addr(11, b), stored + 32 * b, 32), 0);
    uint8_t back[96];
    for (uint8_t b = 0; b < 3; b++) {
        h_cmd_data(h, MOAT_ATECC_OP_READ, 0x82, h_slot_addr(11, b), NULL, 0, 32);
        memcpy(back + 32 * b, h->rsp, 32);
    }
    assert_memory_equal(back, stored, 72);
    uint8_t zeros[24] = {0};
    assert_memory_equal(back + 72, zeros, 24); /* past the 72-byte slot */
}

static void test_4_byte_access_past_slot_end_is_parse_error(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    /* slot 5 (36 bytes): block 1 word 0 = bytes 32..35 is valid, word 1 is not */
    uint16_t ok = moat_atecc_addr(MOAT_ATECC_ZONE_DATA, 5, 1, 0);
    uint16_t bad = moat_atecc_addr(MOAT_ATECC_ZONE_DATA, 5, 1, 1);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x02, ok, NULL, 0, 4);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x02, bad, NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x82, h_slot_addr(8, 13), NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_READ, 0x83, 0, NULL, 0), PARSE); /* zone 3 */
}

static void test_after_data_lock_writeconfig_decides(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    const uint8_t w[4] = {9, 8, 7, 6};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x02, h_slot_addr(5, 0), w, 4), 0);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x02, h_slot_addr(5, 0), NULL, 0, 4);
    assert_memory_equal(h->rsp, w, 4);
    /* slot 6: WriteConfig = Never */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x02, h_slot_addr(6, 0), w, 4), EXEC);
}

static void test_otp_is_read_only_after_data_lock(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t blk[32] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x81, 0x0000, blk, 32), EXEC);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x81, 0x0008, NULL, 0, 32);
}

static void test_encrypted_write_is_refused_without_gendig(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t data[64] = {0};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0xC2, h_slot_addr(5, 0), data, 64), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0xC2, h_slot_addr(5, 0), data, 32), PARSE);
}

static void test_slot_lock_blocks_further_writes(void **state)
{
    harness *h = *state;
    h_provision(h, true);
    uint8_t blk[32] = {1};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x02 | (8 << 2), 0, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x82, h_slot_addr(8, 0), blk, 32), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x02 | (8 << 2), 0, NULL, 0), EXEC);
    h_cmd_data(h, MOAT_ATECC_OP_READ, 0x00, h_cfg_addr(88), NULL, 0, 4);
    assert_int_equal(h->rsp[1], 0xFE); /* SlotLocked bit 8 cleared */
    assert_int_equal(h->rsp[0], 0xFF);
}

static void test_slot_lock_refused_when_not_lockable_or_data_unlocked(void **state)
{
    harness *h = *state;
    h_provision(h, false);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x02 | (8 << 2), 0, NULL, 0), EXEC);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x81, 0, NULL, 0), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x02 | (10 << 2), 0, NULL, 0), EXEC);
}

static void test_lock_with_bad_mode_is_parse_error(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x03, 0, NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x40, 0, NULL, 0), PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_LOCK, 0x04, 0, NULL, 0), PARSE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(test_config_read_returns_serial_and_factory_address),
        T(test_config_bytes_0_to_15_are_not_writable),
        T(test_config_bytes_84_to_87_need_updateextra_or_lock),
        T(test_config_write_then_read_back),
        T(test_lock_config_with_wrong_crc_is_refused),
        T(test_config_write_after_lock_is_refused),
        T(test_data_write_before_config_lock_is_refused),
        T(test_before_data_lock_only_32_byte_writes_and_no_reads),
        T(test_lock_data_checks_summary_crc_over_slots_and_otp),
        T(test_lock_data_needs_config_lock),
        T(test_private_key_slot_is_never_readable),
        T(test_secret_slot_is_not_readable_in_clear),
        T(test_write_to_private_key_slot_is_refused),
        T(test_public_key_slot_round_trips_in_three_blocks),
        T(test_4_byte_access_past_slot_end_is_parse_error),
        T(test_after_data_lock_writeconfig_decides),
        T(test_otp_is_read_only_after_data_lock),
        T(test_encrypted_write_is_refused_without_gendig),
        T(test_slot_lock_blocks_further_writes),
        T(test_slot_lock_refused_when_not_lockable_or_data_unlocked),
        T(test_lock_with_bad_mode_is_parse_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
