/* test_certcodec_roundtrip.c - compress -> rebuild gives the byte-identical DER for signer and
 * device certificates across the date edge cases, and signatures whose R/S need a leading
 * zero pad or lose leading zero bytes. Certificates: tests/data/cert/make.sh. */
#include "test_certcodec_fixture.h"

static fix_cert signer;

static int setup(void **s)
{
    (void)s;
    fix_load(&signer, "signer");
    return 0;
}

/* Round trip of a device certificate; returns the compressed format version. */
static uint8_t device_roundtrip(const char *name)
{
    fix_cert c;
    uint8_t comp[72];
    fix_load(&c, name);
    fix_roundtrip(&c, signer.pubkey, comp);
    return comp[70] & 0x0F;
}

static void test_signer_roundtrip_is_byte_identical(void **s)
{
    (void)s;
    uint8_t comp[72];
    assert_int_equal(signer.def.template_id, 1);
    assert_int_equal(signer.def.el[MOAT_CERT_EL_SIGNER_ID].count, 4);
    fix_roundtrip(&signer, NULL, comp);
    assert_int_equal(comp[67], 0x3C); /* "Moat Test Signer 3C7A" */
    assert_int_equal(comp[68], 0x7A);
    assert_int_equal(comp[69], 0x10);
    assert_int_equal(comp[70], 0xA0);
}

static void test_device_roundtrip_is_byte_identical(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72];
    fix_load(&c, "device");
    assert_int_equal(c.def.template_id, 2);
    assert_int_equal(c.def.issue_fmt, MOAT_CERT_DATEFMT_UTC);
    assert_int_equal(c.def.expire_fmt, MOAT_CERT_DATEFMT_GEN); /* 2052: GeneralizedTime */
    fix_roundtrip(&c, signer.pubkey, comp);
    assert_int_equal(comp[67], 0x3C); /* from the issuer CN */
}

static void test_roundtrip_issued_2000(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-2000"), 0);
}
static void test_roundtrip_issued_2031(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-2031"), 0);
}
static void test_roundtrip_issued_2032_uses_format_1(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-2032"), 1);
}
static void test_roundtrip_issued_2127(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-2127"), 1);
}
static void test_roundtrip_no_expiry_generalized(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-exp0"), 0);
}
static void test_roundtrip_no_expiry_utctime(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-exp0-utc"), 0);
}
static void test_roundtrip_31_years(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-exp31"), 0);
}
static void test_roundtrip_32_years_uses_format_1(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-exp32"), 1);
}
static void test_roundtrip_127_years(void **s)
{
    (void)s;
    assert_int_equal(device_roundtrip("dev-exp127"), 1);
}

static void test_rebuild_without_signer_key_keeps_template_aki(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72];
    fix_load(&c, "device");
    fix_roundtrip(&c, NULL, comp);
}

/* Rebuilds `c` with a crafted signature; returns the DER of the rebuilt signature INTEGERs
 * after checking the rebuilt certificate compresses back to the same 72 bytes. */
static size_t rebuild_with_sig(const fix_cert *c, const uint8_t sig[64], uint8_t *out)
{
    moat_cert_extra extra = {signer.pubkey, NULL};
    uint8_t comp[72], again[72];
    size_t len;
    assert_int_equal(moat_cert_compress(&c->def, c->der, c->len, &extra, comp), MOAT_CERT_OK);
    memcpy(comp, sig, 64);
    assert_int_equal(moat_cert_rebuild(&c->def, comp, c->pubkey, &extra, out, FIX_MAX, &len),
                     MOAT_CERT_OK);
    assert_int_equal(moat_cert_compress(&c->def, out, len, &extra, again), MOAT_CERT_OK);
    assert_memory_equal(again, comp, 72);
    /* outer length consistent with the new size */
    assert_int_equal(out[1], 0x82);
    assert_int_equal((size_t)(out[2] << 8 | out[3]) + 4, len);
    return len;
}

static void test_rebuild_pads_r_and_s_with_top_bit_set(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t sig[64], out[FIX_MAX];
    fix_load(&c, "device");
    memset(sig, 0x11, 64);
    sig[0] = 0x80, sig[32] = 0xFF;
    size_t len = rebuild_with_sig(&c, sig, out);
    const uint8_t *p = out + c.def.el[MOAT_CERT_EL_SIGNATURE].offset;
    assert_memory_equal(p, "\x03\x49\x00\x30\x46\x02\x21\x00\x80", 9);
    assert_memory_equal(p + 5 + 35, "\x02\x21\x00\xFF", 4);
    assert_int_equal(len, c.def.el[MOAT_CERT_EL_SIGNATURE].offset + 75);
}

static void test_rebuild_trims_leading_zero_bytes(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t sig[64], out[FIX_MAX];
    fix_load(&c, "device");
    memset(sig, 0x22, 64);
    sig[0] = 0x00, sig[1] = 0x7F;                   /* R: 31 bytes */
    sig[32] = 0x00, sig[33] = 0x00, sig[34] = 0x80; /* S: 30 bytes + pad = 31 */
    size_t len = rebuild_with_sig(&c, sig, out);
    const uint8_t *p = out + c.def.el[MOAT_CERT_EL_SIGNATURE].offset;
    assert_memory_equal(p, "\x03\x45\x00\x30\x42\x02\x1F\x7F", 8);
    assert_memory_equal(p + 5 + 33, "\x02\x1F\x00\x80", 4);
    assert_int_equal(len, c.def.el[MOAT_CERT_EL_SIGNATURE].offset + 71);
}

static void test_rebuild_plain_32_byte_integers(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t sig[64], out[FIX_MAX];
    fix_load(&c, "device");
    memset(sig, 0x7E, 64);
    rebuild_with_sig(&c, sig, out);
    assert_memory_equal(out + c.def.el[MOAT_CERT_EL_SIGNATURE].offset,
                        "\x03\x47\x00\x30\x44\x02\x20", 7);
}

static void test_fixtures_hold_both_padded_and_unpadded_signatures(void **s)
{
    (void)s;
    static const char *names[] = {"signer",    "device",    "dev-2000",  "dev-2031",
                                  "dev-2032",  "dev-2127",  "dev-exp0",  "dev-exp0-utc",
                                  "dev-exp31", "dev-exp32", "dev-exp127"};
    int padded = 0, unpadded = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        fix_cert c;
        fix_load(&c, names[i]);
        const uint8_t *p = c.der + c.def.el[MOAT_CERT_EL_SIGNATURE].offset + 5;
        if (p[1] == 0x21)
            padded++;
        else
            unpadded++;
    }
    assert_true(padded > 0 && unpadded > 0);
}

static void test_rebuild_refuses_another_definition(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72], out[FIX_MAX];
    size_t len;
    fix_load(&c, "device");
    assert_int_equal(moat_cert_compress(&signer.def, signer.der, signer.len, NULL, comp),
                     MOAT_CERT_OK);
    assert_int_equal(moat_cert_rebuild(&c.def, comp, c.pubkey, NULL, out, sizeof out, &len),
                     MOAT_CERT_ERR_WRONG_DEF);
}

static void test_rebuild_refuses_a_small_buffer(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72], out[FIX_MAX];
    size_t len;
    fix_load(&c, "device");
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp), MOAT_CERT_OK);
    assert_int_equal(moat_cert_rebuild(&c.def, comp, c.pubkey, NULL, out, c.len - 1, &len),
                     MOAT_CERT_ERR_BUFFER);
    assert_true(moat_cert_rebuild_max(&c.def) >= c.len);
}

static void test_rebuild_with_another_key_changes_serial_and_ski(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72], out[FIX_MAX], pk[64];
    size_t len;
    fix_load(&c, "device");
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp), MOAT_CERT_OK);
    memcpy(pk, c.pubkey, 64);
    pk[10] ^= 1;
    assert_int_equal(moat_cert_rebuild(&c.def, comp, pk, NULL, out, sizeof out, &len),
                     MOAT_CERT_OK);
    const moat_cert_loc *sn = &c.def.el[MOAT_CERT_EL_SERIAL], *ski = &c.def.el[MOAT_CERT_EL_SKI];
    assert_memory_not_equal(out + sn->offset, c.der + sn->offset, sn->count);
    assert_memory_not_equal(out + ski->offset, c.der + ski->offset, 20);
    /* and that certificate is consistent: it compresses with its own key */
    fix_cert other = c;
    memcpy(other.der, out, len);
    assert_int_equal(moat_cert_compress(&other.def, other.der, len, NULL, comp), MOAT_CERT_OK);
}

static void test_compress_keeps_format_1_when_the_serial_hashed_it(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72], again[72], out[FIX_MAX];
    size_t len;
    fix_load(&c, "device");
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp), MOAT_CERT_OK);
    comp[70] = (uint8_t)((comp[70] & 0xF0) | 1); /* format 1 although 2024 + 28 fits 0 */
    assert_int_equal(moat_cert_rebuild(&c.def, comp, c.pubkey, NULL, out, sizeof out, &len),
                     MOAT_CERT_OK);
    assert_memory_not_equal(out, c.der, c.len); /* the serial hashed a 4th date byte */
    memcpy(c.der, out, len);
    assert_int_equal(moat_cert_compress(&c.def, c.der, len, NULL, again), MOAT_CERT_OK);
    assert_memory_equal(again, comp, 72);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signer_roundtrip_is_byte_identical),
        cmocka_unit_test(test_device_roundtrip_is_byte_identical),
        cmocka_unit_test(test_roundtrip_issued_2000),
        cmocka_unit_test(test_roundtrip_issued_2031),
        cmocka_unit_test(test_roundtrip_issued_2032_uses_format_1),
        cmocka_unit_test(test_roundtrip_issued_2127),
        cmocka_unit_test(test_roundtrip_no_expiry_generalized),
        cmocka_unit_test(test_roundtrip_no_expiry_utctime),
        cmocka_unit_test(test_roundtrip_31_years),
        cmocka_unit_test(test_roundtrip_32_years_uses_format_1),
        cmocka_unit_test(test_roundtrip_127_years),
        cmocka_unit_test(test_rebuild_without_signer_key_keeps_template_aki),
        cmocka_unit_test(test_rebuild_pads_r_and_s_with_top_bit_set),
        cmocka_unit_test(test_rebuild_trims_leading_zero_bytes),
        cmocka_unit_test(test_rebuild_plain_32_byte_integers),
        cmocka_unit_test(test_fixtures_hold_both_padded_and_unpadded_signatures),
        cmocka_unit_test(test_rebuild_refuses_another_definition),
        cmocka_unit_test(test_rebuild_refuses_a_small_buffer),
        cmocka_unit_test(test_rebuild_with_another_key_changes_serial_and_ski),
        cmocka_unit_test(test_compress_keeps_format_1_when_the_serial_hashed_it),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
