/* test_certcodec_refusals.c - every certificate the compressed format cannot represent is
 * refused with the exact reason, and every status has a name and an explanation. */
#include "test_certcodec_fixture.h"

#include "common/cert/cert_internal.h"

/* Loads NAME, builds its definition and compresses with the given signer certificate's key;
 * returns the compress status. */
static moat_cert_status compress_fixture(const char *name, const char *signer_name)
{
    fix_cert c, s;
    uint8_t comp[72];
    moat_cert_extra extra = {NULL, NULL};
    fix_load(&c, name);
    if (signer_name) {
        fix_load(&s, signer_name);
        extra.signer_pubkey = s.pubkey;
    }
    return moat_cert_compress(&c.def, c.der, c.len, &extra, comp);
}

static moat_cert_status def_status(const char *name)
{
    uint8_t der[FIX_MAX];
    moat_cert_def def;
    size_t len = fix_read(name, der, sizeof der);
    return moat_cert_def_from_der(der, len, MOAT_CERT_SIGNER_ID_AUTO, &def);
}

static void test_refuses_issue_minutes(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-minutes", "signer"), MOAT_CERT_ERR_ISSUE_MINUTES);
}

static void test_refuses_issue_seconds(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-seconds", "signer"), MOAT_CERT_ERR_ISSUE_MINUTES);
}

static void test_refuses_validity_that_is_not_whole_years(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-notwhole", "signer"),
                     MOAT_CERT_ERR_EXPIRE_NOT_WHOLE_YEARS);
}

static void test_refuses_expiry_with_minutes(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-expminutes", "signer"), MOAT_CERT_ERR_EXPIRE_MINUTES);
}

static void test_refuses_issue_before_2000(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-1999", "signer"), MOAT_CERT_ERR_ISSUE_YEAR);
}

static void test_refuses_128_years(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-128y", "signer"), MOAT_CERT_ERR_EXPIRE_YEARS);
}

static void test_refuses_a_serial_not_derived_from_the_key(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-serial", "signer"), MOAT_CERT_ERR_SERIAL_NOT_DERIVED);
}

static void test_refuses_a_serial_from_another_source(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72];
    fix_load(&c, "device");
    static const uint8_t chip_sn[9] = {0x01, 0x23, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x01};
    moat_cert_extra extra = {NULL, chip_sn};
    c.def.sn_source = MOAT_CERT_SNSRC_DEVICE_SN_HASH; /* the serial came from the public key */
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, &extra, comp),
                     MOAT_CERT_ERR_SERIAL_NOT_DERIVED);
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp),
                     MOAT_CERT_ERR_NEED_DEVICE_SN);
}

static void test_refuses_stored_serial_sources(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72];
    fix_load(&c, "device");
    c.def.sn_source = MOAT_CERT_SNSRC_STORED;
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp), MOAT_CERT_ERR_SN_SOURCE);
}

static void test_refuses_an_ski_that_is_not_sha1_of_the_key(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-ski", "signer"), MOAT_CERT_ERR_SKI_NOT_SHA1);
}

static void test_refuses_an_aki_that_is_not_sha1_of_the_signer_key(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-aki", "signer-badski"), MOAT_CERT_ERR_AKI_NOT_SHA1);
}

static void test_aki_is_not_checked_without_the_signer_key(void **s)
{
    (void)s;
    assert_int_equal(compress_fixture("bad-aki", NULL), MOAT_CERT_OK);
}

static void test_refuses_a_p384_key(void **s)
{
    (void)s;
    assert_int_equal(def_status("bad-p384key"), MOAT_CERT_ERR_KEY_NOT_P256);
}

static void test_refuses_a_p384_signature(void **s)
{
    (void)s;
    assert_int_equal(def_status("bad-p384sig"), MOAT_CERT_ERR_SIG_NOT_P256);
}

static void test_refuses_a_lowercase_signer_id(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72];
    fix_load(&c, "device");
    const moat_cert_loc *id = &c.def.el[MOAT_CERT_EL_SIGNER_ID];
    assert_int_equal(id->count, 4);
    memcpy(c.der + id->offset, "3c7a", 4);
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp), MOAT_CERT_ERR_SIGNER_ID);
}

static void test_explicit_signer_id_location_must_exist(void **s)
{
    (void)s;
    uint8_t der[FIX_MAX];
    moat_cert_def def;
    size_t len = fix_read("device", der, sizeof der); /* subject "device device": no hex */
    assert_int_equal(moat_cert_def_from_der(der, len, MOAT_CERT_SIGNER_ID_SUBJECT, &def),
                     MOAT_CERT_ERR_SIGNER_ID);
    assert_int_equal(moat_cert_def_from_der(der, len, MOAT_CERT_SIGNER_ID_NONE, &def),
                     MOAT_CERT_OK);
    assert_int_equal(def.el[MOAT_CERT_EL_SIGNER_ID].count, 0);
}

static void test_refuses_truncated_der(void **s)
{
    (void)s;
    uint8_t der[FIX_MAX];
    moat_cert_def def;
    size_t len = fix_read("device", der, sizeof der);
    for (size_t cut = 0; cut < len; cut += 7)
        assert_int_not_equal(moat_cert_def_from_der(der, cut, MOAT_CERT_SIGNER_ID_AUTO, &def),
                             MOAT_CERT_OK);
}

static void test_refuses_a_certificate_with_trailing_bytes(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t comp[72];
    fix_load(&c, "device");
    c.der[c.len] = 0;
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len + 1, NULL, comp), MOAT_CERT_ERR_DER);
}

static void test_refuses_non_minimal_signature_integers(void **s)
{
    (void)s;
    uint8_t sig[64];
    size_t used;
    /* R = 00 01 (redundant zero), S = 01 */
    static const uint8_t redundant[] = {0x03, 0x0A, 0x00, 0x30, 0x07, 0x02,
                                        0x02, 0x00, 0x01, 0x02, 0x01, 0x01};
    /* R negative */
    static const uint8_t negative[] = {0x03, 0x09, 0x00, 0x30, 0x06, 0x02,
                                       0x01, 0x80, 0x02, 0x01, 0x01};
    assert_int_equal(moat_cert_sig_from_der(redundant, sizeof redundant, 0, sig, &used),
                     MOAT_CERT_ERR_SIG_NOT_DER);
    assert_int_equal(moat_cert_sig_from_der(negative, sizeof negative, 0, sig, &used),
                     MOAT_CERT_ERR_SIG_NOT_DER);
}

static void test_length_fixup_refuses_a_length_size_change(void **s)
{
    (void)s;
    /* A template whose outer length is in the one-byte long form (81 xx): a rebuild that
     * needs 256+ bytes of content cannot keep it. */
    fix_cert c;
    uint8_t comp[72], out[FIX_MAX], tmpl[FIX_MAX];
    size_t len;
    fix_load(&c, "device");
    assert_int_equal(moat_cert_compress(&c.def, c.der, c.len, NULL, comp), MOAT_CERT_OK);
    memcpy(tmpl, c.der, c.len);
    tmpl[1] = 0x81; /* pretend the length fits one byte */
    c.def.template_der = tmpl;
    assert_int_equal(moat_cert_rebuild(&c.def, comp, c.pubkey, NULL, out, sizeof out, &len),
                     MOAT_CERT_ERR_LENGTH_FIXUP);
}

static void test_refuses_a_certificate_that_differs_from_the_template(void **s)
{
    (void)s;
    fix_cert c;
    uint8_t other[FIX_MAX], comp[72];
    fix_load(&c, "device");
    memcpy(other, c.der, c.len);
    size_t at = 0;
    while (at + 13 <= c.len && memcmp(other + at, "device device", 13) != 0)
        at++;
    assert_true(at + 13 <= c.len);
    other[at + 12] = 'X'; /* a static byte of the subject CN */
    assert_int_equal(moat_cert_compress(&c.def, other, c.len, NULL, comp),
                     MOAT_CERT_ERR_TEMPLATE_MISMATCH);
}

static void test_aki_may_differ_from_the_template_when_the_signer_key_rewrites_it(void **s)
{
    (void)s;
    fix_cert c, signer;
    uint8_t other[FIX_MAX], comp[72];
    fix_load(&c, "bad-aki");
    fix_load(&signer, "signer-badski");
    memcpy(other, c.der, c.len);
    other[c.def.el[MOAT_CERT_EL_AKI].offset] ^= 1;
    moat_cert_extra extra = {signer.pubkey, NULL};
    assert_int_equal(moat_cert_compress(&c.def, other, c.len, NULL, comp),
                     MOAT_CERT_ERR_TEMPLATE_MISMATCH);
    assert_int_equal(moat_cert_compress(&c.def, other, c.len, &extra, comp),
                     MOAT_CERT_ERR_AKI_NOT_SHA1);
}

static void test_every_status_has_a_name_and_an_explanation(void **s)
{
    (void)s;
    for (int i = 0; i < MOAT_CERT_STATUS_COUNT; i++) {
        const char *name = moat_cert_strerror((moat_cert_status)i);
        const char *why = moat_cert_explain((moat_cert_status)i);
        assert_non_null(name);
        assert_non_null(why);
        assert_true(strlen(name) > 1);
        assert_true(strlen(why) >= strlen(name));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name, moat_cert_strerror((moat_cert_status)j));
    }
    assert_string_equal(moat_cert_strerror(MOAT_CERT_STATUS_COUNT), "unknown status");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_issue_minutes),
        cmocka_unit_test(test_refuses_issue_seconds),
        cmocka_unit_test(test_refuses_validity_that_is_not_whole_years),
        cmocka_unit_test(test_refuses_expiry_with_minutes),
        cmocka_unit_test(test_refuses_issue_before_2000),
        cmocka_unit_test(test_refuses_128_years),
        cmocka_unit_test(test_refuses_a_serial_not_derived_from_the_key),
        cmocka_unit_test(test_refuses_a_serial_from_another_source),
        cmocka_unit_test(test_refuses_stored_serial_sources),
        cmocka_unit_test(test_refuses_an_ski_that_is_not_sha1_of_the_key),
        cmocka_unit_test(test_refuses_an_aki_that_is_not_sha1_of_the_signer_key),
        cmocka_unit_test(test_aki_is_not_checked_without_the_signer_key),
        cmocka_unit_test(test_refuses_a_p384_key),
        cmocka_unit_test(test_refuses_a_p384_signature),
        cmocka_unit_test(test_refuses_a_lowercase_signer_id),
        cmocka_unit_test(test_explicit_signer_id_location_must_exist),
        cmocka_unit_test(test_refuses_truncated_der),
        cmocka_unit_test(test_refuses_a_certificate_with_trailing_bytes),
        cmocka_unit_test(test_refuses_non_minimal_signature_integers),
        cmocka_unit_test(test_length_fixup_refuses_a_length_size_change),
        cmocka_unit_test(test_refuses_a_certificate_that_differs_from_the_template),
        cmocka_unit_test(test_aki_may_differ_from_the_template_when_the_signer_key_rewrites_it),
        cmocka_unit_test(test_every_status_has_a_name_and_an_explanation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
