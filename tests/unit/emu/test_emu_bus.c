/* test_emu_bus.c - the emulated ATECC608 on the I2C bus: wake, sleep/idle, watchdog, word
 * addresses, split reads, address match and the framing errors (CRC, count, opcode). */
#include "emu_harness.h"

static void test_wake_response_is_04_11_33_43(void **state)
{
    harness *h = *state;
    h_wake(h);
}

static void test_asleep_chip_nacks_reads_and_writes(void **state)
{
    harness *h = *state;
    uint8_t b[4];
    const uint8_t reset = 0x00;
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, b, 4), MOAT_EMU_NACK);
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &reset, 1), MOAT_EMU_NACK);
}

static void test_wrong_address_nacks(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint8_t b[4];
    const uint8_t reset = 0x00;
    assert_int_equal(moat_emu_i2c_read(h->emu, 0x35, b, 4), MOAT_EMU_NACK);
    assert_int_equal(moat_emu_i2c_write(h->emu, 0x61, &reset, 1), MOAT_EMU_NACK);
}

static void test_general_call_write_wakes_the_chip(void **state)
{
    harness *h = *state;
    const uint8_t zero = 0x00;
    assert_int_equal(moat_emu_i2c_write(h->emu, 0x00, &zero, 1), MOAT_EMU_NACK);
    uint8_t w[4];
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, w, 4), MOAT_EMU_ACK);
    assert_int_equal(w[1], MOAT_ATECC_STATUS_WAKE);
}

static void test_wake_is_ignored_when_awake(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0, 0, NULL, 0), 0);
    moat_emu_wake(h->emu);
    uint8_t first;
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, &first, 1), MOAT_EMU_ACK);
    assert_int_equal(first, 0xFF); /* still past the end of the Info response, no wake group */
}

static void test_split_read_returns_count_then_rest(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t info[] = {0x03, 0x07, 0x30, 0x00, 0x00, 0x00, 0x03, 0x5D};
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, info, sizeof info), MOAT_EMU_ACK);
    uint8_t count, rest[6];
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, &count, 1), MOAT_EMU_ACK);
    assert_int_equal(count, 7);
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, rest, 6), MOAT_EMU_ACK);
    const uint8_t rev[4] = {0x00, 0x00, 0x60, 0x03};
    assert_memory_equal(rest, rev, 4);
    uint8_t grp[7] = {7};
    memcpy(grp + 1, rest, 6);
    uint8_t crc[2];
    moat_atecc_crc(grp, 5, crc);
    assert_memory_equal(rest + 4, crc, 2);
}

static void test_reset_word_address_rewinds_the_output(void **state)
{
    harness *h = *state;
    h_wake(h);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0, 0, NULL, 0), 0);
    const uint8_t reset = 0x00;
    uint8_t again[7];
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &reset, 1), MOAT_EMU_ACK);
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, again, 7), MOAT_EMU_ACK);
    assert_int_equal(again[0], 7);
    assert_memory_equal(again + 1, h->rsp, 4);
}

static void test_command_split_over_two_writes_executes_when_complete(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t part1[] = {0x03, 0x07, 0x30, 0x00};
    const uint8_t part2[] = {0x03, 0x00, 0x00, 0x03, 0x5D};
    uint8_t b;
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, part1, sizeof part1), MOAT_EMU_ACK);
    /* "If a partial command has been sent ... the device will NACK the read." */
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, &b, 1), MOAT_EMU_NACK);
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, part2, sizeof part2), MOAT_EMU_ACK);
    assert_int_equal(h_receive(h), 0);
    assert_int_equal(h->rsp[2], 0x60);
}

static void test_reserved_word_address_is_not_acknowledged(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t wa = 0x04;
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &wa, 1), MOAT_EMU_NACK);
}

static uint8_t tempkey_valid(harness *h)
{
    h_cmd_data(h, MOAT_ATECC_OP_INFO, 0x02, 0, NULL, 0, 4);
    return (h->rsp[1] & 0x80u) ? 1 : 0;
}

static void load_tempkey(harness *h)
{
    uint8_t msg[32];
    memset(msg, 0x42, sizeof msg);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x03, 0, msg, 32), 0);
    assert_int_equal(tempkey_valid(h), 1);
}

static void test_sleep_loses_tempkey(void **state)
{
    harness *h = *state;
    h_wake(h);
    load_tempkey(h);
    const uint8_t sleep = MOAT_ATECC_WA_SLEEP;
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &sleep, 1), MOAT_EMU_ACK);
    h_wake(h);
    assert_int_equal(tempkey_valid(h), 0);
}

static void test_idle_keeps_tempkey(void **state)
{
    harness *h = *state;
    h_wake(h);
    load_tempkey(h);
    const uint8_t idle = MOAT_ATECC_WA_IDLE;
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &idle, 1), MOAT_EMU_ACK);
    uint8_t b;
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, &b, 1), MOAT_EMU_NACK); /* idle */
    h_wake(h);
    assert_int_equal(tempkey_valid(h), 1);
}

static void test_watchdog_puts_the_chip_to_sleep_after_1300_ms(void **state)
{
    harness *h = *state;
    h_wake(h);
    load_tempkey(h);
    h->now += 1299;
    uint8_t b;
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, &b, 1), MOAT_EMU_ACK);
    h->now += 1;
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, &b, 1), MOAT_EMU_NACK);
    h_wake(h);
    assert_int_equal(tempkey_valid(h), 0);
}

static void test_command_that_would_outlive_the_watchdog_returns_ee(void **state)
{
    harness *h = *state;
    h_wake(h);
    h->now += 1250; /* GenKey needs 115 ms, Info 5 ms: 50 ms are left */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_GENKEY, 0x04, 0, NULL, 0), MOAT_ATECC_STATUS_WATCHDOG);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0, 0, NULL, 0), 0);
}

static void test_long_watchdog_from_chipmode_bit_2(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint8_t word[4] = {0xC0, 0x00, 0x00, 0x04}; /* bytes 16-19, ChipMode = 0x04 */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(16), word, 4), 0);
    const uint8_t sleep = MOAT_ATECC_WA_SLEEP;
    moat_emu_i2c_write(h->emu, H_ADDR, &sleep, 1);
    h_wake(h);
    h->now += 5000;
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0, 0, NULL, 0), 0);
    h->now += 8000;
    uint8_t b;
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, &b, 1), MOAT_EMU_NACK);
}

static void test_bad_crc_returns_ff(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t bad[] = {0x07, 0x30, 0x00, 0x00, 0x00, 0x03, 0x5E};
    h_send_raw(h, bad, sizeof bad);
    assert_int_equal(h_receive(h), MOAT_ATECC_STATUS_CRC);
}

static void test_count_below_command_minimum_is_parse_error(void **state)
{
    harness *h = *state;
    h_wake(h);
    uint8_t grp[5] = {0x05, 0x30, 0x00};
    moat_atecc_crc(grp, 3, grp + 3);
    h_send_raw(h, grp, sizeof grp);
    assert_int_equal(h_receive(h), MOAT_ATECC_STATUS_PARSE);
}

static void test_count_outside_group_limits_is_communication_error(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t huge[] = {0xC8, 0x30, 0x00};
    h_send_raw(h, huge, sizeof huge);
    assert_int_equal(h_receive(h), MOAT_ATECC_STATUS_CRC);
    const uint8_t tiny[] = {0x02, 0x30};
    h_send_raw(h, tiny, sizeof tiny);
    assert_int_equal(h_receive(h), MOAT_ATECC_STATUS_CRC);
}

static void test_wrong_data_length_is_parse_error(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t extra[4] = {1, 2, 3, 4};
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0, 0, extra, 4), MOAT_ATECC_STATUS_PARSE);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_NONCE, 0x03, 0, extra, 4), MOAT_ATECC_STATUS_PARSE);
}

static void test_unimplemented_opcodes_are_parse_errors(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t ops[] = {
        MOAT_ATECC_OP_MAC,      MOAT_ATECC_OP_GENDIG,     MOAT_ATECC_OP_DERIVEKEY,
        MOAT_ATECC_OP_CHECKMAC, MOAT_ATECC_OP_PRIVWRITE,  MOAT_ATECC_OP_AES,
        MOAT_ATECC_OP_KDF,      MOAT_ATECC_OP_SECUREBOOT, 0x99};
    for (size_t i = 0; i < sizeof ops; i++)
        assert_int_equal(h_cmd(h, ops[i], 0, 0, NULL, 0), MOAT_ATECC_STATUS_PARSE);
}

static void test_new_i2c_address_applies_from_next_wake(void **state)
{
    harness *h = *state;
    h_wake(h);
    const uint8_t word[4] = {0x6A, 0x00, 0x00, 0x00}; /* 7-bit 0x35, like Trust&GO */
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_WRITE, 0x00, h_cfg_addr(16), word, 4), 0);
    assert_int_equal(h_cmd(h, MOAT_ATECC_OP_INFO, 0, 0, NULL, 0), 0); /* still 0x60 */
    const uint8_t sleep = MOAT_ATECC_WA_SLEEP;
    assert_int_equal(moat_emu_i2c_write(h->emu, H_ADDR, &sleep, 1), MOAT_EMU_ACK);
    moat_emu_wake(h->emu);
    uint8_t w[4];
    assert_int_equal(moat_emu_i2c_read(h->emu, H_ADDR, w, 4), MOAT_EMU_NACK);
    assert_int_equal(moat_emu_i2c_read(h->emu, 0x35, w, 4), MOAT_EMU_ACK);
    assert_int_equal(w[1], MOAT_ATECC_STATUS_WAKE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, h_setup, h_teardown)
    const struct CMUnitTest tests[] = {
        T(test_wake_response_is_04_11_33_43),
        T(test_asleep_chip_nacks_reads_and_writes),
        T(test_wrong_address_nacks),
        T(test_general_call_write_wakes_the_chip),
        T(test_wake_is_ignored_when_awake),
        T(test_split_read_returns_count_then_rest),
        T(test_reset_word_address_rewinds_the_output),
        T(test_command_split_over_two_writes_executes_when_complete),
        T(test_reserved_word_address_is_not_acknowledged),
        T(test_sleep_loses_tempkey),
        T(test_idle_keeps_tempkey),
        T(test_watchdog_puts_the_chip_to_sleep_after_1300_ms),
        T(test_command_that_would_outlive_the_watchdog_returns_ee),
        T(test_long_watchdog_from_chipmode_bit_2),
        T(test_bad_crc_returns_ff),
        T(test_count_below_command_minimum_is_parse_error),
        T(test_count_outside_group_limits_is_communication_error),
        T(test_wrong_data_length_is_parse_error),
        T(test_unimplemented_opcodes_are_parse_errors),
        T(test_new_i2c_address_applies_from_next_wake),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
