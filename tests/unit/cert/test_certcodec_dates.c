/* test_certcodec_dates.c - the compressed date encoding (bytes 64-66 and 71) against the
 * known vectors of atcacert's test suite, the max ("no expiry") dates, and the text/binary date
 * formats a template carries. */
#include "test_certcodec_fixture.h"

typedef struct {
    moat_cert_date issue;
    uint8_t years, format, reserved;
    uint8_t b64_66[3], b71;
} vector;

static const vector vectors[] = {
    {{2021, 3, 7, 10, 0, 0}, 28, 0, 0, {0xA9, 0x9D, 0x5C}, 0x00},
    {{2000, 1, 1, 0, 0, 0}, 0, 0, 0, {0x00, 0x84, 0x00}, 0x00},
    {{2031, 12, 31, 23, 0, 0}, 31, 0, 0, {0xFE, 0x7E, 0xFF}, 0x00},
    {{2032, 1, 1, 0, 0, 0}, 1, 1, 0, {0x00, 0x84, 0x01}, 0x40},
    {{2127, 1, 1, 0, 0, 0}, 1, 1, 0, {0xF8, 0x84, 0x01}, 0xC0},
    {{2000, 1, 1, 0, 0, 0}, 32, 1, 0, {0x00, 0x84, 0x00}, 0x10},
    {{2000, 1, 1, 0, 0, 0}, 127, 1, 0, {0x00, 0x84, 0x1F}, 0x30},
    {{2064, 1, 1, 0, 0, 0}, 32, 1, 0x0F, {0x00, 0x84, 0x00}, 0x9F},
    {{2018, 11, 8, 4, 0, 0}, 31, 0, 0, {0x95, 0xA0, 0x9F}, 0x00}, /* TNG signer template */
    {{2018, 11, 8, 5, 0, 0}, 28, 0, 0, {0x95, 0xA0, 0xBC}, 0x00}, /* TNG device template */
};

static void encode_vector(size_t i)
{
    const vector *v = &vectors[i];
    moat_cert_comp c;
    uint8_t out[72];
    memset(&c, 0, sizeof c);
    c.issue = v->issue;
    c.expire_years = v->years;
    c.format_version = v->format;
    c.reserved = v->reserved;
    assert_int_equal(moat_cert_comp_encode(&c, out), MOAT_CERT_OK);
    assert_memory_equal(out + 64, v->b64_66, 3);
    assert_int_equal(out[71], v->b71);
    assert_int_equal(out[70] & 0x0F, v->format);
}

static void test_encode_2021_03_07_10h_28_years(void **s)
{
    (void)s;
    encode_vector(0);
}
static void test_encode_2000_01_01_no_expiry(void **s)
{
    (void)s;
    encode_vector(1);
}
static void test_encode_2031_12_31_23h_31_years(void **s)
{
    (void)s;
    encode_vector(2);
}
static void test_encode_2032_uses_extended_year_bits(void **s)
{
    (void)s;
    encode_vector(3);
}
static void test_encode_2127_is_the_last_year(void **s)
{
    (void)s;
    encode_vector(4);
}
static void test_encode_32_years_uses_extended_expire_bits(void **s)
{
    (void)s;
    encode_vector(5);
}
static void test_encode_127_years(void **s)
{
    (void)s;
    encode_vector(6);
}
static void test_encode_keeps_byte71_reserved_nibble(void **s)
{
    (void)s;
    encode_vector(7);
}
static void test_encode_tng_templates(void **s)
{
    (void)s;
    encode_vector(8);
    encode_vector(9);
}

static void test_decode_inverts_every_vector(void **s)
{
    (void)s;
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        uint8_t in[72] = {0};
        moat_cert_comp c;
        memcpy(in + 64, vectors[i].b64_66, 3);
        in[70] = vectors[i].format;
        in[71] = vectors[i].b71;
        assert_int_equal(moat_cert_comp_decode(in, &c), MOAT_CERT_OK);
        assert_int_equal(c.issue.year, vectors[i].issue.year);
        assert_int_equal(c.issue.month, vectors[i].issue.month);
        assert_int_equal(c.issue.day, vectors[i].issue.day);
        assert_int_equal(c.issue.hour, vectors[i].issue.hour);
        assert_int_equal(c.expire_years, vectors[i].years);
        assert_int_equal(c.reserved, vectors[i].reserved);
    }
}

static void test_format_for_picks_0_until_2031_and_31_years(void **s)
{
    (void)s;
    assert_int_equal(moat_cert_comp_format_for(2031, 31), 0);
    assert_int_equal(moat_cert_comp_format_for(2032, 1), 1);
    assert_int_equal(moat_cert_comp_format_for(2000, 32), 1);
}

static moat_cert_status encode(uint16_t y, uint8_t mi, uint8_t sec, uint8_t years, uint8_t fmt)
{
    moat_cert_comp c;
    uint8_t out[72];
    memset(&c, 0, sizeof c);
    c.issue = (moat_cert_date){y, 6, 1, 12, mi, sec};
    c.expire_years = years;
    c.format_version = fmt;
    return moat_cert_comp_encode(&c, out);
}

static void test_format0_refuses_2032(void **s)
{
    (void)s;
    assert_int_equal(encode(2032, 0, 0, 1, 0), MOAT_CERT_ERR_ISSUE_YEAR);
}

static void test_format0_refuses_32_years(void **s)
{
    (void)s;
    assert_int_equal(encode(2020, 0, 0, 32, 0), MOAT_CERT_ERR_EXPIRE_YEARS);
}

static void test_encode_refuses_minutes_and_seconds(void **s)
{
    (void)s;
    assert_int_equal(encode(2020, 30, 0, 1, 0), MOAT_CERT_ERR_ISSUE_MINUTES);
    assert_int_equal(encode(2020, 0, 5, 1, 0), MOAT_CERT_ERR_ISSUE_MINUTES);
}

static void test_encode_refuses_years_outside_2000_2127(void **s)
{
    (void)s;
    assert_int_equal(encode(1999, 0, 0, 1, 1), MOAT_CERT_ERR_ISSUE_YEAR);
    assert_int_equal(encode(2128, 0, 0, 1, 1), MOAT_CERT_ERR_ISSUE_YEAR);
    assert_int_equal(encode(2020, 0, 0, 128, 1), MOAT_CERT_ERR_EXPIRE_YEARS);
    assert_int_equal(encode(2020, 0, 0, 1, 3), MOAT_CERT_ERR_FORMAT_VERSION);
}

static void test_decode_refuses_format_3(void **s)
{
    (void)s;
    uint8_t in[72] = {0};
    moat_cert_comp c;
    in[64] = 0x00, in[65] = 0x84, in[70] = 0x03;
    assert_int_equal(moat_cert_comp_decode(in, &c), MOAT_CERT_ERR_FORMAT_VERSION);
}

static void test_decode_refuses_impossible_fields(void **s)
{
    (void)s;
    uint8_t in[72] = {0};
    moat_cert_comp c;
    assert_int_equal(moat_cert_comp_decode(in, &c), MOAT_CERT_ERR_DATE_INVALID); /* month 0 */
    in[64] = 0x06, in[65] = 0x84;                                                /* month 13 */
    assert_int_equal(moat_cert_comp_decode(in, &c), MOAT_CERT_ERR_DATE_INVALID);
    in[64] = 0x00, in[65] = 0x87, in[66] = 0x00; /* hour 24 */
    assert_int_equal(moat_cert_comp_decode(in, &c), MOAT_CERT_ERR_DATE_INVALID);
}

static void test_format0_decode_ignores_byte71(void **s)
{
    (void)s;
    uint8_t in[72] = {0};
    moat_cert_comp c;
    in[64] = 0x00, in[65] = 0x84, in[66] = 0x01, in[71] = 0xF0;
    assert_int_equal(moat_cert_comp_decode(in, &c), MOAT_CERT_OK);
    assert_int_equal(c.issue.year, 2000);
    assert_int_equal(c.expire_years, 1);
}

static void test_expire_zero_is_the_formats_max_date(void **s)
{
    (void)s;
    moat_cert_comp c;
    moat_cert_date d;
    uint8_t t[20];
    size_t n;
    memset(&c, 0, sizeof c);
    c.issue = (moat_cert_date){2024, 5, 1, 10, 0, 0};
    assert_int_equal(moat_cert_comp_expire(&c, MOAT_CERT_DATEFMT_GEN, &d), MOAT_CERT_OK);
    assert_int_equal(moat_cert_date_format(MOAT_CERT_DATEFMT_GEN, &d, t, sizeof t, &n),
                     MOAT_CERT_OK);
    assert_memory_equal(t, "99991231235959Z", 15);
    assert_int_equal(moat_cert_comp_expire(&c, MOAT_CERT_DATEFMT_UTC, &d), MOAT_CERT_OK);
    assert_int_equal(moat_cert_date_format(MOAT_CERT_DATEFMT_UTC, &d, t, sizeof t, &n),
                     MOAT_CERT_OK);
    assert_memory_equal(t, "491231235959Z", 13);
    assert_int_equal(moat_cert_comp_expire(&c, MOAT_CERT_DATEFMT_POSIX_BE, &d), MOAT_CERT_OK);
    assert_int_equal(moat_cert_date_format(MOAT_CERT_DATEFMT_POSIX_BE, &d, t, sizeof t, &n),
                     MOAT_CERT_OK);
    assert_memory_equal(t, "\xFF\xFF\xFF\xFF", 4);
}

static void test_expire_is_issue_plus_whole_years(void **s)
{
    (void)s;
    moat_cert_comp c;
    moat_cert_date d;
    memset(&c, 0, sizeof c);
    c.issue = (moat_cert_date){2031, 12, 31, 23, 0, 0};
    c.expire_years = 31;
    assert_int_equal(moat_cert_comp_expire(&c, MOAT_CERT_DATEFMT_GEN, &d), MOAT_CERT_OK);
    assert_int_equal(d.year, 2062);
    assert_int_equal(d.month, 12);
    assert_int_equal(d.day, 31);
    assert_int_equal(d.hour, 23);
}

static void test_utctime_50_is_1950_and_49_is_2049(void **s)
{
    (void)s;
    moat_cert_date d;
    assert_int_equal(
        moat_cert_date_parse(MOAT_CERT_DATEFMT_UTC, (const uint8_t *)"500101000000Z", 13, &d),
        MOAT_CERT_OK);
    assert_int_equal(d.year, 1950);
    assert_int_equal(
        moat_cert_date_parse(MOAT_CERT_DATEFMT_UTC, (const uint8_t *)"491231235959Z", 13, &d),
        MOAT_CERT_OK);
    assert_int_equal(d.year, 2049);
    assert_int_equal(d.sec, 59);
}

static void test_utctime_cannot_hold_2050(void **s)
{
    (void)s;
    moat_cert_date d = {2050, 1, 1, 0, 0, 0};
    uint8_t t[13];
    size_t n;
    assert_int_equal(moat_cert_date_format(MOAT_CERT_DATEFMT_UTC, &d, t, sizeof t, &n),
                     MOAT_CERT_ERR_DATE_UNREPRESENTABLE);
}

static void test_text_formats_round_trip(void **s)
{
    (void)s;
    static const struct {
        uint8_t fmt;
        const char *text;
    } cases[] = {
        {MOAT_CERT_DATEFMT_UTC, "210307100000Z"},
        {MOAT_CERT_DATEFMT_GEN, "21270101000000Z"},
        {MOAT_CERT_DATEFMT_ISO8601, "2021-03-07T10:00:00Z"},
    };
    for (size_t i = 0; i < 3; i++) {
        moat_cert_date d;
        uint8_t t[20];
        size_t n, len = strlen(cases[i].text);
        assert_int_equal(
            moat_cert_date_parse(cases[i].fmt, (const uint8_t *)cases[i].text, len, &d),
            MOAT_CERT_OK);
        assert_int_equal(moat_cert_date_format(cases[i].fmt, &d, t, sizeof t, &n), MOAT_CERT_OK);
        assert_int_equal(n, len);
        assert_memory_equal(t, cases[i].text, len);
    }
}

static void test_posix_formats_vector(void **s)
{
    (void)s;
    /* 2021-03-07 10:00:00 UTC = 1615111200 = 0x6044A420 (python calendar.timegm) */
    moat_cert_date d = {2021, 3, 7, 10, 0, 0}, back;
    uint8_t t[4];
    size_t n;
    assert_int_equal(moat_cert_date_format(MOAT_CERT_DATEFMT_POSIX_BE, &d, t, 4, &n), MOAT_CERT_OK);
    assert_memory_equal(t, "\x60\x44\xA4\x20", 4);
    assert_int_equal(moat_cert_date_format(MOAT_CERT_DATEFMT_POSIX_LE, &d, t, 4, &n), MOAT_CERT_OK);
    assert_memory_equal(t, "\x20\xA4\x44\x60", 4);
    assert_int_equal(moat_cert_date_parse(MOAT_CERT_DATEFMT_POSIX_LE, t, 4, &back), MOAT_CERT_OK);
    assert_int_equal(moat_cert_date_cmp(&d, &back), 0);
}

static void test_parse_refuses_fractions_and_local_time(void **s)
{
    (void)s;
    moat_cert_date d;
    assert_int_equal(
        moat_cert_date_parse(MOAT_CERT_DATEFMT_GEN, (const uint8_t *)"20240101000000.5Z", 17, &d),
        MOAT_CERT_ERR_DATE_SYNTAX);
    assert_int_equal(
        moat_cert_date_parse(MOAT_CERT_DATEFMT_UTC, (const uint8_t *)"2401010000000", 13, &d),
        MOAT_CERT_ERR_DATE_SYNTAX);
    assert_int_equal(
        moat_cert_date_parse(MOAT_CERT_DATEFMT_UTC, (const uint8_t *)"241301000000Z", 13, &d),
        MOAT_CERT_ERR_DATE_SYNTAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_2021_03_07_10h_28_years),
        cmocka_unit_test(test_encode_2000_01_01_no_expiry),
        cmocka_unit_test(test_encode_2031_12_31_23h_31_years),
        cmocka_unit_test(test_encode_2032_uses_extended_year_bits),
        cmocka_unit_test(test_encode_2127_is_the_last_year),
        cmocka_unit_test(test_encode_32_years_uses_extended_expire_bits),
        cmocka_unit_test(test_encode_127_years),
        cmocka_unit_test(test_encode_keeps_byte71_reserved_nibble),
        cmocka_unit_test(test_encode_tng_templates),
        cmocka_unit_test(test_decode_inverts_every_vector),
        cmocka_unit_test(test_format_for_picks_0_until_2031_and_31_years),
        cmocka_unit_test(test_format0_refuses_2032),
        cmocka_unit_test(test_format0_refuses_32_years),
        cmocka_unit_test(test_encode_refuses_minutes_and_seconds),
        cmocka_unit_test(test_encode_refuses_years_outside_2000_2127),
        cmocka_unit_test(test_decode_refuses_format_3),
        cmocka_unit_test(test_decode_refuses_impossible_fields),
        cmocka_unit_test(test_format0_decode_ignores_byte71),
        cmocka_unit_test(test_expire_zero_is_the_formats_max_date),
        cmocka_unit_test(test_expire_is_issue_plus_whole_years),
        cmocka_unit_test(test_utctime_50_is_1950_and_49_is_2049),
        cmocka_unit_test(test_utctime_cannot_hold_2050),
        cmocka_unit_test(test_text_formats_round_trip),
        cmocka_unit_test(test_posix_formats_vector),
        cmocka_unit_test(test_parse_refuses_fractions_and_local_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
