/* test_atecc_proto.c - the ATECC608 CRC and packet framing against known vectors (the wake
 * response, every status group, captured commands and a factory config read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "moat/atecc_proto.h"

static void expect_crc(const uint8_t *bytes, size_t len, uint8_t lo, uint8_t hi)
{
    uint8_t crc[2];
    moat_atecc_crc(bytes, len, crc);
    assert_int_equal(crc[0], lo);
    assert_int_equal(crc[1], hi);
}

static void test_crc_of_wake_response_is_3343(void **s)
{
    (void)s;
    const uint8_t g[] = {0x04, 0x11};
    expect_crc(g, 2, 0x33, 0x43);
}

static void test_crc_of_every_status_group(void **s)
{
    (void)s;
    static const uint8_t v[][3] = {
        {0x00, 0x03, 0x40}, {0x01, 0x00, 0xC3}, {0x03, 0x83, 0x42},
        {0x05, 0xC3, 0x43}, {0x07, 0x40, 0xC2}, {0x08, 0x60, 0xC0},
        {0x0F, 0x23, 0x42}, {0xEE, 0x31, 0x41}, {0xFF, 0x01, 0x42},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t out[4];
        moat_atecc_encode_status(v[i][0], out);
        assert_int_equal(out[0], 4);
        assert_int_equal(out[1], v[i][0]);
        assert_int_equal(out[2], v[i][1]);
        assert_int_equal(out[3], v[i][2]);
    }
}

static void test_crc_of_ascii_check_string(void **s)
{
    (void)s;
    expect_crc((const uint8_t *)"123456789", 9, 0xDD, 0xBC);
}

static void test_crc_of_empty_input_is_zero(void **s)
{
    (void)s;
    expect_crc((const uint8_t *)"", 0, 0x00, 0x00);
}

static void expect_cmd(uint8_t opcode, uint8_t p1, uint16_t p2, uint8_t lo, uint8_t hi)
{
    moat_atecc_cmd c = {.opcode = opcode, .param1 = p1, .param2 = p2};
    uint8_t out[16];
    assert_int_equal(moat_atecc_encode_cmd(&c, out, sizeof out), 7);
    const uint8_t want[7] = {0x07, opcode, p1, (uint8_t)p2, (uint8_t)(p2 >> 8), lo, hi};
    assert_memory_equal(out, want, 7);
}

static void test_encode_known_commands(void **s)
{
    (void)s;
    expect_cmd(MOAT_ATECC_OP_INFO, 0x00, 0x0000, 0x03, 0x5D);
    expect_cmd(MOAT_ATECC_OP_READ, 0x00, 0x0000, 0x1E, 0x2D);
    expect_cmd(MOAT_ATECC_OP_READ, 0x80, 0x0000, 0x09, 0xAD);
    expect_cmd(MOAT_ATECC_OP_RANDOM, 0x00, 0x0000, 0x24, 0xCD);
    expect_cmd(MOAT_ATECC_OP_GENKEY, 0x04, 0x0000, 0x83, 0x87);
    expect_cmd(MOAT_ATECC_OP_GENKEY, 0x00, 0x0000, 0x00, 0x05);
}

static void test_encode_puts_param2_little_endian(void **s)
{
    (void)s;
    moat_atecc_cmd c = {.opcode = MOAT_ATECC_OP_READ, .param1 = 0x82, .param2 = 0x0158};
    uint8_t out[16];
    assert_int_equal(moat_atecc_encode_cmd(&c, out, sizeof out), 7);
    assert_int_equal(out[3], 0x58);
    assert_int_equal(out[4], 0x01);
}

static void test_encode_with_data_round_trips_through_parse(void **s)
{
    (void)s;
    uint8_t data[32];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)i;
    moat_atecc_cmd c = {
        .opcode = MOAT_ATECC_OP_NONCE, .param1 = 0x43, .param2 = 0, .data = data, .data_len = 32};
    uint8_t out[64];
    size_t n = moat_atecc_encode_cmd(&c, out, sizeof out);
    assert_int_equal(n, 39);
    assert_int_equal(out[0], 39);
    moat_atecc_cmd p;
    assert_int_equal(moat_atecc_parse_cmd(out, n, &p), MOAT_ATECC_PKT_OK);
    assert_int_equal(p.opcode, MOAT_ATECC_OP_NONCE);
    assert_int_equal(p.param1, 0x43);
    assert_int_equal(p.data_len, 32);
    assert_memory_equal(p.data, data, 32);
}

static void test_encode_refuses_small_buffer_and_oversized_data(void **s)
{
    (void)s;
    uint8_t data[149] = {0};
    moat_atecc_cmd c = {.opcode = MOAT_ATECC_OP_SHA, .data = data, .data_len = 4};
    uint8_t out[160];
    assert_int_equal(moat_atecc_encode_cmd(&c, out, 10), 0);
    c.data_len = 149; /* 7 + 149 = 156 > 155 */
    assert_int_equal(moat_atecc_encode_cmd(&c, out, sizeof out), 0);
    c.data_len = 148;
    assert_int_equal(moat_atecc_encode_cmd(&c, out, sizeof out), 155);
}

static void test_parse_cmd_rejects_bad_crc(void **s)
{
    (void)s;
    uint8_t pkt[] = {0x07, 0x30, 0x00, 0x00, 0x00, 0x03, 0x5E};
    moat_atecc_cmd p;
    assert_int_equal(moat_atecc_parse_cmd(pkt, sizeof pkt, &p), MOAT_ATECC_PKT_BAD_CRC);
}

static void test_parse_cmd_rejects_short_and_long_counts(void **s)
{
    (void)s;
    moat_atecc_cmd p;
    uint8_t small[] = {0x06, 0x30, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(moat_atecc_parse_cmd(small, sizeof small, &p), MOAT_ATECC_PKT_SHORT);
    uint8_t truncated[] = {0x07, 0x30, 0x00, 0x00, 0x00, 0x03};
    assert_int_equal(moat_atecc_parse_cmd(truncated, sizeof truncated, &p), MOAT_ATECC_PKT_SHORT);
    uint8_t big[] = {156, 0x30};
    assert_int_equal(moat_atecc_parse_cmd(big, sizeof big, &p), MOAT_ATECC_PKT_TOO_LONG);
    assert_int_equal(moat_atecc_parse_cmd(big, 0, &p), MOAT_ATECC_PKT_SHORT);
}

static void test_parse_rsp_accepts_factory_config_read(void **s)
{
    (void)s;
    /* 32-byte config read captured from a factory ATECC608A (cryptoauthlib issue #51). */
    const uint8_t rsp[35] = {0x23, 0x01, 0x23, 0x88, 0x05, 0x00, 0x00, 0x60, 0x02, 0x81, 0x97, 0xBA,
                             0xF6, 0xEE, 0x01, 0x5D, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x83, 0x20, 0x87,
                             0x20, 0x8F, 0x20, 0xC4, 0x8F, 0x8F, 0x8F, 0x8F, 0x8F, 0x90, 0xA8};
    const uint8_t *body;
    size_t body_len;
    assert_int_equal(moat_atecc_parse_rsp(rsp, sizeof rsp, &body, &body_len), MOAT_ATECC_PKT_OK);
    assert_int_equal(body_len, 32);
    assert_ptr_equal(body, rsp + 1);
}

static void test_parse_rsp_rejects_corrupted_and_truncated(void **s)
{
    (void)s;
    const uint8_t *body;
    size_t body_len;
    uint8_t wake[] = {0x04, 0x11, 0x33, 0x43};
    assert_int_equal(moat_atecc_parse_rsp(wake, 4, &body, &body_len), MOAT_ATECC_PKT_OK);
    assert_int_equal(body_len, 1);
    assert_int_equal(body[0], 0x11);
    wake[2] ^= 1;
    assert_int_equal(moat_atecc_parse_rsp(wake, 4, &body, &body_len), MOAT_ATECC_PKT_BAD_CRC);
    assert_int_equal(moat_atecc_parse_rsp(wake, 3, &body, &body_len), MOAT_ATECC_PKT_SHORT);
    uint8_t tiny[] = {0x03, 0x00, 0x00};
    assert_int_equal(moat_atecc_parse_rsp(tiny, 3, &body, &body_len), MOAT_ATECC_PKT_SHORT);
    uint8_t huge[] = {0xFF};
    assert_int_equal(moat_atecc_parse_rsp(huge, 1, &body, &body_len), MOAT_ATECC_PKT_TOO_LONG);
}

static void test_encode_rsp_builds_count_and_crc(void **s)
{
    (void)s;
    const uint8_t body[] = {0x11};
    uint8_t out[8];
    assert_int_equal(moat_atecc_encode_rsp(body, 1, out, sizeof out), 4);
    const uint8_t want[] = {0x04, 0x11, 0x33, 0x43};
    assert_memory_equal(out, want, 4);
    assert_int_equal(moat_atecc_encode_rsp(body, 1, out, 3), 0);
}

static void test_status_names_and_explanations(void **s)
{
    (void)s;
    assert_string_equal(moat_atecc_status_name(0x0F), "execution error (0x0F)");
    assert_string_equal(moat_atecc_status_name(0x42), "unknown status");
    assert_non_null(strstr(moat_atecc_status_explain(0x0F), "permissions"));
    assert_non_null(strstr(moat_atecc_status_explain(0xFF), "resend"));
    assert_string_equal(moat_atecc_opcode_name(MOAT_ATECC_OP_GENKEY), "GenKey");
    assert_string_equal(moat_atecc_opcode_name(0x99), "unknown");
}

static void test_exec_times_follow_the_608_table(void **s)
{
    (void)s;
    assert_int_equal(moat_atecc_exec_time_ms(MOAT_ATECC_OP_GENKEY), 115);
    assert_int_equal(moat_atecc_exec_time_ms(MOAT_ATECC_OP_READ), 5);
    assert_int_equal(moat_atecc_exec_time_ms(MOAT_ATECC_OP_SELFTEST), 250);
}

static void test_slot_sizes(void **s)
{
    (void)s;
    assert_int_equal(moat_atecc_slot_size(0), 36);
    assert_int_equal(moat_atecc_slot_size(7), 36);
    assert_int_equal(moat_atecc_slot_size(8), 416);
    assert_int_equal(moat_atecc_slot_size(9), 72);
    assert_int_equal(moat_atecc_slot_size(15), 72);
    assert_int_equal(moat_atecc_slot_size(16), 0);
}

static void test_address_encoding_per_zone(void **s)
{
    (void)s;
    /* config byte 84 = block 2, word 5 */
    assert_int_equal(moat_atecc_addr(MOAT_ATECC_ZONE_CONFIG, 0, 2, 5), 0x0015);
    assert_int_equal(moat_atecc_addr(MOAT_ATECC_ZONE_OTP, 0, 1, 0), 0x0008);
    /* slot 11 block 2: (11 << 3) | (2 << 8) */
    assert_int_equal(moat_atecc_addr(MOAT_ATECC_ZONE_DATA, 11, 2, 0), 0x0258);
    assert_int_equal(moat_atecc_addr(MOAT_ATECC_ZONE_DATA, 8, 12, 7), 0x0C47);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_of_wake_response_is_3343),
        cmocka_unit_test(test_crc_of_every_status_group),
        cmocka_unit_test(test_crc_of_ascii_check_string),
        cmocka_unit_test(test_crc_of_empty_input_is_zero),
        cmocka_unit_test(test_encode_known_commands),
        cmocka_unit_test(test_encode_puts_param2_little_endian),
        cmocka_unit_test(test_encode_with_data_round_trips_through_parse),
        cmocka_unit_test(test_encode_refuses_small_buffer_and_oversized_data),
        cmocka_unit_test(test_parse_cmd_rejects_bad_crc),
        cmocka_unit_test(test_parse_cmd_rejects_short_and_long_counts),
        cmocka_unit_test(test_parse_rsp_accepts_factory_config_read),
        cmocka_unit_test(test_parse_rsp_rejects_corrupted_and_truncated),
        cmocka_unit_test(test_encode_rsp_builds_count_and_crc),
        cmocka_unit_test(test_status_names_and_explanations),
        cmocka_unit_test(test_exec_times_follow_the_608_table),
        cmocka_unit_test(test_slot_sizes),
        cmocka_unit_test(test_address_encoding_per_zone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
