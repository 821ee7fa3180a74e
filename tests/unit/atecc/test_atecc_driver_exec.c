/* test_atecc_driver_exec.c - the driver's transaction engine against the emulator through a
 * fault-injecting HAL: wake, polling within the execution-time budget, CRC re-reads and
 * resends, missing device, bus errors, chip status mapping, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "atecc_test_hal.h"
#include "emu/emu_internal.h" /* moat_emu_set_clock: a fake clock for the watchdog */

typedef struct {
    test_hal t;
    moat_atecc dev;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    th_open(&f->t, &f->dev, false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    th_close(&f->t);
    free(f);
    return 0;
}

/* The emulator's clock follows the HAL's virtual delays plus a manual skew. */
static uint64_t skew_ms;
static uint64_t fake_clock(void *ctx)
{
    return ((test_hal *)ctx)->virtual_us / 1000u + skew_ms;
}

static int setup_fake_clock(void **state)
{
    setup(state);
    fixture *f = *state;
    skew_ms = 0;
    moat_emu_set_clock(f->t.emu, fake_clock, &f->t);
    return 0;
}

static void test_watchdog_status_makes_the_driver_sleep_wake_and_resend(void **state)
{
    fixture *f = *state;
    moat_atecc_hold(&f->dev, true);
    assert_int_equal(moat_atecc_wake(&f->dev), MOAT_ATECC_OK);
    /* 1250 ms after wake, GenKey (115 ms) could not finish before the 1.3 s watchdog: the chip
     * answers 0xEE without running it; the driver sleeps, wakes and resends. */
    skew_ms += 1250;
    uint8_t pub[64];
    moat_atecc_status st = moat_atecc_get_pubkey(&f->dev, 0, pub);
    assert_int_equal(f->dev.stats.resends, 1);
    assert_int_equal(f->t.wakes, 2);
    /* slot 0 of the factory chip holds no key yet: what matters is it ran after the resend */
    assert_true(st == MOAT_ATECC_OK || st == MOAT_ATECC_ERR_EXECUTION ||
                st == MOAT_ATECC_ERR_ECC_FAULT);
    assert_int_not_equal(f->dev.last_chip_status, 0xEE);
    moat_atecc_hold(&f->dev, false);
}

static void test_chip_asleep_after_the_watchdog_is_woken_and_the_command_resent(void **state)
{
    fixture *f = *state;
    moat_atecc_hold(&f->dev, true);
    assert_int_equal(moat_atecc_wake(&f->dev), MOAT_ATECC_OK);
    skew_ms += 2000; /* the watchdog has put the chip to sleep: it NACKs the command */
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(rev[2], 0x60);
    assert_int_equal(f->dev.stats.resends, 1);
    assert_int_equal(f->t.wakes, 2);
    moat_atecc_hold(&f->dev, false);
}

static void test_wake_reads_the_wake_token(void **state)
{
    fixture *f = *state;
    assert_int_equal(moat_atecc_wake(&f->dev), MOAT_ATECC_OK);
    assert_true(f->dev.awake);
    assert_int_equal(f->t.wakes, 1);
    assert_true(f->t.virtual_us >= MOAT_ATECC_WAKE_DELAY_US);
}

static void test_chip_left_awake_by_another_host_is_idled_and_woken(void **state)
{
    fixture *f = *state;
    uint8_t rev[4];
    moat_atecc_hold(&f->dev, true);
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    /* a new host (or a restarted process) does not know the chip is awake */
    moat_atecc fresh;
    moat_atecc_init(&fresh, &f->dev.hal, 0x60);
    assert_int_equal(moat_atecc_info_revision(&fresh, rev), MOAT_ATECC_OK);
    assert_int_equal(rev[2], 0x60);
    assert_int_equal(fresh.stats.wakes, 2);
}

static void test_command_idles_the_chip_afterwards(void **state)
{
    fixture *f = *state;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_false(f->dev.awake);
    /* idle chip: the next command wakes it again */
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(f->t.wakes, 2);
}

static void test_busy_chip_is_polled_until_it_answers(void **state)
{
    fixture *f = *state;
    f->t.nack_polls = 5;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(rev[2], 0x60);
    assert_int_equal(f->dev.stats.busy_polls, 5);
    assert_true(f->dev.stats.poll_us >= MOAT_ATECC_POLL_FIRST_US + 5 * MOAT_ATECC_POLL_INTERVAL_US);
}

static void test_chip_busy_beyond_the_exec_budget_times_out(void **state)
{
    fixture *f = *state;
    f->t.nack_forever = true;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_ERR_TIMEOUT);
    assert_int_equal(f->dev.last_error, MOAT_ATECC_ERR_TIMEOUT);
    /* Info: 5 ms max execution time -> budget 5*factor + slack ms, polled every interval */
    uint32_t budget = (5u * MOAT_ATECC_POLL_FACTOR + MOAT_ATECC_POLL_SLACK_MS) * 1000u;
    assert_true(f->dev.stats.poll_us >= budget);
    assert_true(f->dev.stats.poll_us < budget + MOAT_ATECC_POLL_INTERVAL_US);
}

static void test_longer_commands_get_a_longer_budget(void **state)
{
    fixture *f = *state;
    f->t.nack_forever = true;
    uint8_t pub[64];
    assert_int_equal(moat_atecc_genkey(&f->dev, 0, pub), MOAT_ATECC_ERR_TIMEOUT);
    assert_true(f->dev.stats.poll_us >= 115u * MOAT_ATECC_POLL_FACTOR * 1000u);
}

static void test_corrupted_response_is_read_again(void **state)
{
    fixture *f = *state;
    f->t.corrupt_rsps = 1;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(rev[2], 0x60);
    assert_int_equal(f->dev.stats.crc_rereads, 1);
    assert_int_equal(f->dev.stats.resends, 0);
}

static void test_response_crc_failing_every_retry_reports_crc(void **state)
{
    fixture *f = *state;
    f->t.corrupt_rsps = 1000;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_ERR_CRC);
    assert_int_equal(f->dev.stats.resends, MOAT_ATECC_RETRIES);
}

static void test_corrupted_command_gets_status_ff_and_is_resent(void **state)
{
    fixture *f = *state;
    f->t.corrupt_cmds = 1;
    uint8_t serial[9];
    assert_int_equal(moat_atecc_read_serial(&f->dev, serial), MOAT_ATECC_OK);
    assert_int_equal(f->t.chip_crc_statuses, 1); /* the emulator answered 04 FF 01 42 */
    assert_int_equal(f->dev.stats.resends, 1);
    assert_int_equal(serial[0], 0x01);
    assert_int_equal(serial[1], 0x23);
}

static void test_command_corrupted_on_every_try_reports_chip_crc(void **state)
{
    fixture *f = *state;
    f->t.corrupt_cmds = 1000;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_ERR_CHIP_CRC);
    assert_int_equal(f->dev.last_chip_status, 0xFF);
    assert_int_equal(f->t.chip_crc_statuses, MOAT_ATECC_RETRIES + 1);
}

static void test_absent_chip_is_no_device_with_address_hint(void **state)
{
    fixture *f = *state;
    f->t.absent = true;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_ERR_NO_DEVICE);
    assert_non_null(strstr(moat_atecc_strerror(MOAT_ATECC_ERR_NO_DEVICE), "0x35"));
}

static void test_chip_at_another_address_is_no_device(void **state)
{
    fixture *f = *state;
    f->dev.addr7 = 0x35; /* a Trust&GO address; the emulated chip answers at 0x60 */
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_ERR_NO_DEVICE);
}

static void test_bus_failure_is_a_bus_error_not_retried(void **state)
{
    fixture *f = *state;
    f->t.broken = true;
    uint8_t rev[4];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_ERR_BUS);
    assert_int_equal(f->dev.stats.resends, 0);
}

static void test_bad_length_command_is_a_parse_error_from_the_chip(void **state)
{
    fixture *f = *state;
    uint8_t junk[10] = {0}, rsp[64];
    size_t len;
    /* Nonce pass-through takes 32 or 64 bytes, not 10 */
    assert_int_equal(moat_atecc_execute(&f->dev, MOAT_ATECC_OP_NONCE, 0x03, 0, junk, sizeof junk,
                                        rsp, sizeof rsp, &len, false),
                     MOAT_ATECC_ERR_PARSE);
    assert_int_equal(f->dev.last_chip_status, 0x03);
    assert_int_equal(f->dev.last_error, MOAT_ATECC_ERR_PARSE);
}

static void test_unknown_opcode_is_a_parse_error(void **state)
{
    fixture *f = *state;
    uint8_t rsp[64];
    size_t len;
    assert_int_equal(moat_atecc_execute(&f->dev, 0x7E, 0, 0, NULL, 0, rsp, sizeof rsp, &len, false),
                     MOAT_ATECC_ERR_PARSE);
}

static void test_too_much_data_is_refused_before_sending(void **state)
{
    fixture *f = *state;
    static uint8_t big[200];
    uint8_t rsp[4];
    size_t len;
    assert_int_equal(moat_atecc_execute(&f->dev, MOAT_ATECC_OP_SHA, 1, 0, big, sizeof big, rsp,
                                        sizeof rsp, &len, false),
                     MOAT_ATECC_ERR_BAD_ARG);
    assert_int_equal(f->t.writes, 0);
}

static void test_operations_are_counted_per_command_kind(void **state)
{
    fixture *f = *state;
    uint8_t rev[4], serial[9], cfg[128];
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_serial(&f->dev, serial), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_read_config(&f->dev, cfg), MOAT_ATECC_OK);
    assert_int_equal(f->dev.stats.commands[MOAT_ATECC_KIND_INFO], 1);
    assert_int_equal(f->dev.stats.commands[MOAT_ATECC_KIND_READ], 5);
    assert_int_equal(f->dev.stats.commands[MOAT_ATECC_KIND_SIGN], 0);
    assert_string_equal(moat_atecc_kind_name(MOAT_ATECC_KIND_READ), "Read");
}

static void test_every_status_has_a_distinct_explanation(void **state)
{
    (void)state;
    for (int a = 0; a < MOAT_ATECC_STATUS_COUNT; a++) {
        const char *ta = moat_atecc_strerror((moat_atecc_status)a);
        assert_true(strlen(ta) > 5);
        for (int b = a + 1; b < MOAT_ATECC_STATUS_COUNT; b++)
            assert_string_not_equal(ta, moat_atecc_strerror((moat_atecc_status)b));
    }
    assert_string_equal(moat_atecc_strerror((moat_atecc_status)999), "unknown ATECC driver status");
}

static void test_chip_status_bytes_map_to_named_errors(void **state)
{
    (void)state;
    assert_int_equal(moat_atecc_status_from_chip(0x00), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_status_from_chip(0x01), MOAT_ATECC_ERR_MISCOMPARE);
    assert_int_equal(moat_atecc_status_from_chip(0x03), MOAT_ATECC_ERR_PARSE);
    assert_int_equal(moat_atecc_status_from_chip(0x05), MOAT_ATECC_ERR_ECC_FAULT);
    assert_int_equal(moat_atecc_status_from_chip(0x07), MOAT_ATECC_ERR_SELFTEST);
    assert_int_equal(moat_atecc_status_from_chip(0x08), MOAT_ATECC_ERR_HEALTH);
    assert_int_equal(moat_atecc_status_from_chip(0x0F), MOAT_ATECC_ERR_EXECUTION);
    assert_int_equal(moat_atecc_status_from_chip(0xEE), MOAT_ATECC_ERR_WATCHDOG);
    assert_int_equal(moat_atecc_status_from_chip(0xFF), MOAT_ATECC_ERR_CHIP_CRC);
    assert_int_equal(moat_atecc_status_from_chip(0x42), MOAT_ATECC_ERR_UNKNOWN_STATUS);
}

static void test_hold_keeps_the_chip_awake_between_commands(void **state)
{
    fixture *f = *state;
    uint8_t rev[4];
    moat_atecc_hold(&f->dev, true);
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(moat_atecc_info_revision(&f->dev, rev), MOAT_ATECC_OK);
    assert_int_equal(f->t.wakes, 1);
    moat_atecc_hold(&f->dev, false);
    assert_false(f->dev.awake);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
        T(test_wake_reads_the_wake_token),
        T(test_chip_left_awake_by_another_host_is_idled_and_woken),
        T(test_command_idles_the_chip_afterwards),
        T(test_busy_chip_is_polled_until_it_answers),
        T(test_chip_busy_beyond_the_exec_budget_times_out),
        T(test_longer_commands_get_a_longer_budget),
        T(test_corrupted_response_is_read_again),
        T(test_response_crc_failing_every_retry_reports_crc),
        T(test_corrupted_command_gets_status_ff_and_is_resent),
        T(test_command_corrupted_on_every_try_reports_chip_crc),
        T(test_absent_chip_is_no_device_with_address_hint),
        T(test_chip_at_another_address_is_no_device),
        T(test_bus_failure_is_a_bus_error_not_retried),
        T(test_bad_length_command_is_a_parse_error_from_the_chip),
        T(test_unknown_opcode_is_a_parse_error),
        T(test_too_much_data_is_refused_before_sending),
        T(test_operations_are_counted_per_command_kind),
        T(test_every_status_has_a_distinct_explanation),
        T(test_chip_status_bytes_map_to_named_errors),
        T(test_hold_keeps_the_chip_awake_between_commands),
        cmocka_unit_test_setup_teardown(test_watchdog_status_makes_the_driver_sleep_wake_and_resend,
                                        setup_fake_clock, teardown),
        cmocka_unit_test_setup_teardown(
            test_chip_asleep_after_the_watchdog_is_woken_and_the_command_resent, setup_fake_clock,
            teardown),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
