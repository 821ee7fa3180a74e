/* test_atecc_driver_config.c - decoding a config-zone image: lock states, serial number,
 * SlotConfig/KeyConfig in words, the provisioning layout and the lock CRC. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "moat/atecc.h"

static void blank(uint8_t cfg[128])
{
    memset(cfg, 0, 128);
    cfg[86] = 0x55;
    cfg[87] = 0x55;
    cfg[88] = 0xFF;
    cfg[89] = 0xFF;
}

static void test_0x55_means_unlocked_anything_else_locked(void **state)
{
    (void)state;
    uint8_t cfg[128];
    moat_atecc_lock_state l;
    blank(cfg);
    moat_atecc_decode_locks(cfg, &l);
    assert_false(l.config_locked || l.data_locked);
    cfg[87] = 0x00;
    moat_atecc_decode_locks(cfg, &l);
    assert_true(l.config_locked);
    assert_false(l.data_locked);
}

static void test_slot_locked_bit_zero_means_locked(void **state)
{
    (void)state;
    uint8_t cfg[128];
    moat_atecc_lock_state l;
    blank(cfg);
    cfg[89] = (uint8_t)~0x04; /* slot 10 */
    moat_atecc_decode_locks(cfg, &l);
    assert_int_equal(l.slot_locked, 1u << 10);
}

static void test_serial_is_bytes_0_3_and_8_12(void **state)
{
    (void)state;
    uint8_t cfg[128] = {0x01, 0x23, 0xAA, 0xBB, 9, 9, 9, 9, 0xC1, 0xC2, 0xC3, 0xC4, 0xEE};
    uint8_t sn[9];
    moat_atecc_serial_from_config(cfg, sn);
    const uint8_t want[9] = {0x01, 0x23, 0xAA, 0xBB, 0xC1, 0xC2, 0xC3, 0xC4, 0xEE};
    assert_memory_equal(sn, want, 9);
}

static void test_private_key_slot_is_described_in_words(void **state)
{
    (void)state;
    uint8_t cfg[128];
    char text[256];
    blank(cfg);
    moat_atecc_provision_layout(cfg);
    moat_atecc_describe_slot(cfg, 0, text, sizeof text);
    assert_string_equal(text, "P-256 private key; uses: external-sign ECDH; never readable; "
                              "GenKey may replace it; lockable");
}

static void test_data_slot_is_described_in_words(void **state)
{
    (void)state;
    uint8_t cfg[128];
    char text[256];
    blank(cfg);
    moat_atecc_provision_layout(cfg);
    moat_atecc_describe_slot(cfg, 8, text, sizeof text);
    assert_string_equal(text, "data slot; clear read; write always; lockable");
    moat_atecc_describe_slot(cfg, 6, text, sizeof text);
    assert_string_equal(text, "data slot; never readable (secret); write always; lockable");
    moat_atecc_describe_slot(cfg, 11, text, sizeof text);
    assert_string_equal(text, "P-256 public key / data; clear read; write always; lockable");
}

static void test_encrypted_and_never_write_configs_are_named(void **state)
{
    (void)state;
    uint8_t cfg[128];
    char text[256];
    blank(cfg);
    cfg[20 + 2 * 3] = 0xC4; /* 0x8FC4: encrypted read with key 4, write never */
    cfg[21 + 2 * 3] = 0x8F;
    cfg[96 + 2 * 3] = 0x1C;
    moat_atecc_describe_slot(cfg, 3, text, sizeof text);
    assert_string_equal(text, "data slot; encrypted read with key 4; write never");
}

static void test_description_is_truncated_to_the_buffer(void **state)
{
    (void)state;
    uint8_t cfg[128];
    char text[10];
    blank(cfg);
    moat_atecc_provision_layout(cfg);
    size_t n = moat_atecc_describe_slot(cfg, 0, text, sizeof text);
    assert_int_equal(n, 9);
    assert_string_equal(text, "P-256 pri");
}

static void test_layout_keeps_serial_and_address(void **state)
{
    (void)state;
    uint8_t cfg[128], before[128];
    blank(cfg);
    cfg[0] = 0x01;
    cfg[16] = 0xC0;
    memcpy(before, cfg, 128);
    moat_atecc_provision_layout(cfg);
    assert_memory_equal(cfg, before, 20);
    assert_true(moat_atecc_slot_is_private(cfg, 0));
    assert_false(moat_atecc_slot_is_private(cfg, 10));
}

static void test_lock_crc_is_the_chip_crc_as_little_endian_param2(void **state)
{
    (void)state;
    /* the wake token's CRC: 04 11 -> 33 43 */
    const uint8_t wake[2] = {0x04, 0x11};
    assert_int_equal(moat_atecc_lock_crc(wake, 2), 0x4333);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_0x55_means_unlocked_anything_else_locked),
        cmocka_unit_test(test_slot_locked_bit_zero_means_locked),
        cmocka_unit_test(test_serial_is_bytes_0_3_and_8_12),
        cmocka_unit_test(test_private_key_slot_is_described_in_words),
        cmocka_unit_test(test_data_slot_is_described_in_words),
        cmocka_unit_test(test_encrypted_and_never_write_configs_are_named),
        cmocka_unit_test(test_description_is_truncated_to_the_buffer),
        cmocka_unit_test(test_layout_keeps_serial_and_address),
        cmocka_unit_test(test_lock_crc_is_the_chip_crc_as_little_endian_param2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
