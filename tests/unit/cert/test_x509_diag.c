/* test_x509_diag.c - moat_x509_diagnose_chain: each broken chain is built in memory and the
 * finding (code, certificate, the openssl error it maps to, words) and the tree are checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "moat/x509.h"

#define NOW ((time_t)1795603020) /* 2026-11-25 10:37:00 UTC */

typedef struct {
    moat_x509_ca ca;
    EVP_PKEY *dev_key;
    X509 *dev;
    moat_x509_report r;
} fixture;

static X509 *issue_dev(fixture *f, X509 *issuer, EVP_PKEY *issuer_key, time_t nb, unsigned years)
{
    moat_x509_device_opts o;
    moat_x509_device_opts_init(&o);
    o.cn = "sn0123030405060708EE";
    o.not_before = nb;
    o.years = years;
    X509 *c = NULL;
    moat_x509_err e = {""};
    if (moat_x509_issue_device(issuer, issuer_key, f->dev_key, &o, &c, &e) != MOAT_X509_OK)
        fail_msg("%s", e.msg);
    return c;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    moat_x509_ca_opts o;
    moat_x509_ca_opts_init(&o);
    o.org = "Acme";
    o.not_before = NOW - 86400;
    assert_int_equal(moat_x509_ca_create(&o, &f->ca, NULL), MOAT_X509_OK);
    assert_int_equal(moat_x509_generate_p256(&f->dev_key, NULL), MOAT_X509_OK);
    f->dev = issue_dev(f, f->ca.signer, f->ca.signer_key, NOW - 3600, 28);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    moat_x509_ca_free(&f->ca);
    EVP_PKEY_free(f->dev_key);
    X509_free(f->dev);
    free(f);
    return 0;
}

/* Runs the doctor: leaf, then up to 3 intermediates and 2 anchors (NULL-terminated lists). */
static moat_x509_report *diagnose(fixture *f, X509 *leaf, X509 *const *inter, X509 *const *anchors,
                                  EVP_PKEY *expected)
{
    static const char *const inames[] = {"signer.crt", "extra.crt", "more.crt"};
    static const char *const anames[] = {"root.crt", "other-root.crt"};
    moat_x509_labeled iv[3], av[2];
    size_t ni = 0, na = 0;
    for (; inter && inter[ni]; ni++)
        iv[ni] = (moat_x509_labeled){inter[ni], inames[ni]};
    for (; anchors && anchors[na]; na++)
        av[na] = (moat_x509_labeled){anchors[na], anames[na]};
    moat_x509_chain_input in = {.leaf = {leaf, "device.crt"},
                                .intermediates = iv,
                                .n_intermediates = ni,
                                .anchors = av,
                                .n_anchors = na,
                                .expected_key = expected,
                                .expected_key_label = "slot 0 of emu:dev.img",
                                .now = NOW};
    assert_int_equal(moat_x509_diagnose_chain(&in, &f->r), MOAT_X509_OK);
    return &f->r;
}

static const moat_x509_finding *only_finding(const moat_x509_report *r, moat_x509_finding_code c)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (r->findings[i].code == c)
            return &r->findings[i];
    char all[512] = "";
    for (size_t i = 0; i < r->n_findings; i++)
        snprintf(all + strlen(all), sizeof all - strlen(all), "%s ",
                 moat_x509_finding_name(r->findings[i].code));
    fail_msg("no %s finding; got: %s", moat_x509_finding_name(c), all);
    return NULL;
}

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            fail_msg("[%s] does not contain [%s]", (hay), (needle));                               \
    } while (0)

/* A CA certificate for `key` named O=Acme/CN=cn, signed by issuer (NULL: self), with the
 * given basicConstraints / keyUsage / SKI (openssl config syntax; NULL leaves it out). */
static X509 *make_ca(const char *cn, X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *key,
                     const char *bc, const char *ku, const char *ski)
{
    X509 *c = X509_new();
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (const unsigned char *)"Acme", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_version(c, X509_VERSION_3);
    X509_set_subject_name(c, n);
    X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : n);
    X509_NAME_free(n);
    ASN1_INTEGER_set(X509_get_serialNumber(c), 7);
    X509_time_adj_ex(X509_getm_notBefore(c), -1, 0, (time_t[]){NOW});
    X509_time_adj_ex(X509_getm_notAfter(c), 365, 0, (time_t[]){NOW});
    X509_set_pubkey(c, key);
    const int nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
                        NID_authority_key_identifier};
    const char *vals[] = {bc, ku, ski ? ski : "hash", "keyid:always"};
    for (int i = 0; i < 4; i++) {
        if (!vals[i])
            continue;
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer ? issuer : c, c, NULL, NULL, 0);
        X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nids[i], vals[i]);
        assert_non_null(e);
        X509_add_ext(c, e, -1);
        X509_EXTENSION_free(e);
    }
    X509_sign(c, issuer_key ? issuer_key : key, EVP_sha256());
    return c;
}

/* ---- the chain as given ---- */

static void test_good_chain_is_ok_and_openssl_agrees(void **state)
{
    fixture *f = *state;
    moat_x509_report *r = diagnose(f, f->dev, (X509 *[]){f->ca.signer, NULL},
                                   (X509 *[]){f->ca.root, NULL}, f->dev_key);
    assert_true(r->ok);
    assert_int_equal(r->n_findings, 0);
    assert_int_equal(r->openssl_error, X509_V_OK);
    assert_int_equal(r->chain_len, 3);
    assert_true(r->chain_trusted_top);
}

static void test_missing_intermediate_maps_to_openssl_error_20(void **state)
{
    fixture *f = *state;
    moat_x509_report *r = diagnose(f, f->dev, NULL, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_false(r->ok);
    assert_int_equal(r->openssl_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_MISSING_INTERMEDIATE);
    assert_int_equal(x->openssl_error, 20);
    assert_int_equal(x->cert, 0);
    assert_contains(x->cause, "the signer certificate that issued device.crt ('O=Acme, CN=Acme "
                              "Signer 0001') was not given");
    assert_contains(x->cause, "root.crt 'CN=Acme Root CA'");
    assert_contains(x->fix, "--signer signer.crt (openssl: -untrusted signer.crt)");
    assert_string_equal(r->missing_issuer, "O=Acme, CN=Acme Signer 0001");
}

static void test_signer_as_only_anchor_maps_to_openssl_error_2(void **state)
{
    fixture *f = *state;
    moat_x509_report *r = diagnose(f, f->dev, NULL, (X509 *[]){f->ca.signer, NULL}, NULL);
    assert_int_equal(r->openssl_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT);
    assert_int_equal(r->openssl_depth, 1);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_ANCHOR_NOT_ROOT);
    assert_int_equal(x->openssl_error, 2);
    assert_int_equal(x->cert, 1);
    assert_contains(x->cause, "was given as the trust anchor, but it is not a root: it was issued "
                              "by 'O=Acme, CN=Acme Root CA'");
    assert_contains(x->fix, "--signer root.crt --root root.crt");
}

static void test_no_anchor_reports_missing_root(void **state)
{
    fixture *f = *state;
    moat_x509_report *r = diagnose(f, f->dev, (X509 *[]){f->ca.signer, NULL}, NULL, NULL);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_MISSING_ROOT);
    assert_int_equal(x->cert, 1);
    assert_contains(x->cause, "no trust anchor was given at all");
    assert_contains(x->fix, "--root root.crt");
}

static void test_root_given_as_intermediate_is_not_trusted(void **state)
{
    fixture *f = *state;
    moat_x509_report *r =
        diagnose(f, f->dev, (X509 *[]){f->ca.signer, f->ca.root, NULL}, NULL, NULL);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_ROOT_NOT_TRUSTED);
    assert_int_equal(x->openssl_error, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    assert_int_equal(r->openssl_error, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN);
    assert_contains(x->fix, "--root extra.crt");
}

/* ---- links ---- */

static void test_signer_ffff_placeholder_is_a_name_mismatch_with_both_dns(void **state)
{
    fixture *f = *state;
    /* the signer's key under the template name: what a rebuild with signer ID FFFF yields */
    X509 *ffff = make_ca("Acme Signer FFFF", f->ca.root, f->ca.root_key, f->ca.signer_key,
                         "critical,CA:TRUE,pathlen:0", "critical,keyCertSign", NULL);
    X509 *dev = issue_dev(f, ffff, f->ca.signer_key, NOW - 3600, 28);
    moat_x509_report *r =
        diagnose(f, dev, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_int_equal(r->openssl_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_NAME_MISMATCH);
    assert_int_equal(x->cert, 0);
    assert_contains(x->cause, "names its issuer 'O=Acme, CN=Acme Signer FFFF' but the subject of "
                              "signer.crt is 'O=Acme, CN=Acme Signer 0001'");
    assert_contains(x->cause, "('FFFF' vs '0001')");
    assert_contains(x->cause, "signer-ID placeholder");
    assert_contains(x->fix, "exactly 'O=Acme, CN=Acme Signer 0001'");
    assert_int_equal(r->n_findings, 1); /* key ids and signature are fine */
    X509_free(dev);
    X509_free(ffff);
}

static void test_forged_aki_is_shown_in_hex_against_the_ski(void **state)
{
    fixture *f = *state;
    X509 *forged = make_ca("Acme Signer 0001", f->ca.root, f->ca.root_key, f->ca.signer_key,
                           "critical,CA:TRUE,pathlen:0", "critical,keyCertSign",
                           "0102030405060708090A0B0C0D0E0F1011121314");
    X509 *dev = issue_dev(f, forged, f->ca.signer_key, NOW - 3600, 28);
    moat_x509_report *r =
        diagnose(f, dev, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_AKI_SKI_MISMATCH);
    assert_contains(x->cause,
                    "authorityKeyIdentifier of device.crt is 01:02:03:04:05:06:07:08:09:0A");
    assert_contains(x->cause, "so the AKI extension itself is wrong");
    assert_false(r->ok);
    X509_free(dev);
    X509_free(forged);
}

static void test_altered_certificate_has_a_bad_signature(void **state)
{
    fixture *f = *state;
    unsigned char *der = NULL;
    int len = i2d_X509(f->dev, &der);
    der[len - 5] ^= 0x01; /* a bit of the signature's S integer */
    const unsigned char *p = der;
    X509 *dev = d2i_X509(NULL, &p, len);
    OPENSSL_free(der);
    assert_non_null(dev);
    moat_x509_report *r =
        diagnose(f, dev, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_int_equal(r->openssl_error, X509_V_ERR_CERT_SIGNATURE_FAILURE);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_BAD_SIGNATURE);
    assert_int_equal(x->openssl_error, 7);
    assert_contains(
        x->cause,
        "the signature of device.crt does not verify with the public key of its issuer signer.crt");
    X509_free(dev);
}

/* ---- certificates ---- */

static void test_expired_device_names_the_date(void **state)
{
    fixture *f = *state;
    X509 *dev = issue_dev(f, f->ca.signer, f->ca.signer_key, (time_t)1672531200,
                          1); /* 2023-01-01 .. 2024-01-01 */
    moat_x509_report *r =
        diagnose(f, dev, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_int_equal(r->openssl_error, X509_V_ERR_CERT_HAS_EXPIRED);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_EXPIRED);
    assert_string_equal(x->brief, "expired on 2024-01-01 00:00:00 UTC");
    assert_contains(x->cause, "it is now 2026-11-25 10:37:00 UTC");
    X509_free(dev);
}

static void test_not_yet_valid_device_points_at_the_clock(void **state)
{
    fixture *f = *state;
    X509 *dev = issue_dev(f, f->ca.signer, f->ca.signer_key, NOW + 86400 * 30, 5);
    moat_x509_report *r =
        diagnose(f, dev, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_int_equal(r->openssl_error, X509_V_ERR_CERT_NOT_YET_VALID);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_NOT_YET_VALID);
    assert_contains(x->fix, "clock");
    X509_free(dev);
}

static void test_signer_without_ca_flag_is_not_a_ca(void **state)
{
    fixture *f = *state;
    X509 *s = make_ca("Acme Signer 0002", f->ca.root, f->ca.root_key, f->ca.signer_key,
                      "critical,CA:FALSE", "critical,keyCertSign", NULL);
    X509 *dev = issue_dev(f, s, f->ca.signer_key, NOW - 3600, 28);
    moat_x509_report *r = diagnose(f, dev, (X509 *[]){s, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_int_equal(r->openssl_error, X509_V_ERR_INVALID_CA);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_NOT_CA);
    assert_int_equal(x->cert, 1);
    assert_contains(x->cause, "has no basicConstraints CA:TRUE");
    X509_free(dev);
    X509_free(s);
}

static void test_signer_without_keycertsign_is_reported(void **state)
{
    fixture *f = *state;
    X509 *s = make_ca("Acme Signer 0003", f->ca.root, f->ca.root_key, f->ca.signer_key,
                      "critical,CA:TRUE", "critical,digitalSignature", NULL);
    X509 *dev = issue_dev(f, s, f->ca.signer_key, NOW - 3600, 28);
    moat_x509_report *r = diagnose(f, dev, (X509 *[]){s, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_false(r->ok);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_NO_KEYCERTSIGN);
    assert_contains(x->cause, "keyUsage extension without keyCertSign");
    assert_contains(x->fix, "keyCertSign,cRLSign");
    X509_free(dev);
    X509_free(s);
}

static void test_ca_below_pathlen_zero_signer_exceeds_pathlen(void **state)
{
    fixture *f = *state;
    EVP_PKEY *k = NULL;
    moat_x509_generate_p256(&k, NULL);
    X509 *sub = make_ca("Acme Sub CA", f->ca.signer, f->ca.signer_key, k, "critical,CA:TRUE",
                        "critical,keyCertSign", NULL);
    X509 *dev = issue_dev(f, sub, k, NOW - 3600, 28);
    moat_x509_report *r =
        diagnose(f, dev, (X509 *[]){sub, f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    assert_int_equal(r->openssl_error, X509_V_ERR_PATH_LENGTH_EXCEEDED);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_PATHLEN_EXCEEDED);
    assert_int_equal(x->cert, 2);
    X509_free(dev);
    X509_free(sub);
    EVP_PKEY_free(k);
}

static void test_device_key_differs_from_chip_slot0(void **state)
{
    fixture *f = *state;
    EVP_PKEY *chip = NULL;
    moat_x509_generate_p256(&chip, NULL);
    moat_x509_report *r =
        diagnose(f, f->dev, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, chip);
    assert_int_equal(r->openssl_error, X509_V_OK); /* openssl sees nothing wrong */
    assert_false(r->ok);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_KEY_MISMATCH);
    assert_contains(x->cause, "but slot 0 of emu:dev.img has id");
    EVP_PKEY_free(chip);
}

static void test_server_certificate_as_device_cannot_do_client_auth(void **state)
{
    fixture *f = *state;
    X509 *srv = NULL;
    assert_int_equal(moat_x509_issue_server(f->ca.signer, f->ca.signer_key, f->dev_key, "broker",
                                            "127.0.0.1", 30, &srv, NULL),
                     MOAT_X509_OK);
    moat_x509_report *r =
        diagnose(f, srv, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    const moat_x509_finding *x = only_finding(r, MOAT_X509_FIND_LEAF_USAGE);
    assert_contains(x->cause, "extendedKeyUsage without clientAuth");
    X509_free(srv);
}

/* ---- rendering ---- */

static void test_tree_lists_root_first_with_marks(void **state)
{
    fixture *f = *state;
    X509 *dev = issue_dev(f, f->ca.signer, f->ca.signer_key, (time_t)1672531200, 1);
    moat_x509_report *r =
        diagnose(f, dev, (X509 *[]){f->ca.signer, NULL}, (X509 *[]){f->ca.root, NULL}, NULL);
    char buf[2048];
    size_t n = moat_x509_report_tree(r, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    assert_string_equal(buf, "root.crt  CN=Acme Root CA  (trust anchor)  ✓\n"
                             "└─ signer.crt  CN=Acme Signer 0001  ✓\n"
                             "   └─ device.crt  CN=sn0123030405060708EE  ✗ expired on 2024-01-01 "
                             "00:00:00 UTC\n");
    X509_free(dev);
}

static void test_tree_shows_the_missing_issuer_on_top(void **state)
{
    fixture *f = *state;
    moat_x509_report *r = diagnose(f, f->dev, NULL, (X509 *[]){f->ca.root, NULL}, NULL);
    char buf[2048];
    moat_x509_report_tree(r, buf, sizeof buf);
    assert_string_equal(buf, "(not given)  O=Acme, CN=Acme Signer 0001  ✗ missing\n"
                             "└─ device.crt  CN=sn0123030405060708EE  ✗ issuer not given\n");
}

static void test_report_text_has_cause_fix_and_openssl_line(void **state)
{
    fixture *f = *state;
    moat_x509_report *r = diagnose(f, f->dev, NULL, (X509 *[]){f->ca.signer, NULL}, NULL);
    char buf[8192];
    moat_x509_report_text(r, buf, sizeof buf);
    assert_contains(buf, "✗ [ANCHOR_NOT_ROOT] ");
    assert_contains(buf, "\n  Fix: give it as an intermediate");
    assert_contains(
        buf, "openssl verify: error 2 at 1 depth lookup: unable to get issuer certificate\n");
}

static void test_report_text_truncates_safely_in_a_small_buffer(void **state)
{
    fixture *f = *state;
    moat_x509_report *r = diagnose(f, f->dev, NULL, (X509 *[]){f->ca.signer, NULL}, NULL);
    char big[8192], small[40];
    size_t need = moat_x509_report_text(r, big, sizeof big);
    assert_int_equal(moat_x509_report_text(r, small, sizeof small), need);
    assert_int_equal(strlen(small), sizeof small - 1);
    assert_memory_equal(small, big, sizeof small - 1);
}

static void test_diagnose_rejects_missing_leaf(void **state)
{
    fixture *f = *state;
    moat_x509_chain_input in;
    memset(&in, 0, sizeof in);
    assert_int_equal(moat_x509_diagnose_chain(&in, &f->r), MOAT_X509_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_chain_is_ok_and_openssl_agrees),
        cmocka_unit_test(test_missing_intermediate_maps_to_openssl_error_20),
        cmocka_unit_test(test_signer_as_only_anchor_maps_to_openssl_error_2),
        cmocka_unit_test(test_no_anchor_reports_missing_root),
        cmocka_unit_test(test_root_given_as_intermediate_is_not_trusted),
        cmocka_unit_test(test_signer_ffff_placeholder_is_a_name_mismatch_with_both_dns),
        cmocka_unit_test(test_forged_aki_is_shown_in_hex_against_the_ski),
        cmocka_unit_test(test_altered_certificate_has_a_bad_signature),
        cmocka_unit_test(test_expired_device_names_the_date),
        cmocka_unit_test(test_not_yet_valid_device_points_at_the_clock),
        cmocka_unit_test(test_signer_without_ca_flag_is_not_a_ca),
        cmocka_unit_test(test_signer_without_keycertsign_is_reported),
        cmocka_unit_test(test_ca_below_pathlen_zero_signer_exceeds_pathlen),
        cmocka_unit_test(test_device_key_differs_from_chip_slot0),
        cmocka_unit_test(test_server_certificate_as_device_cannot_do_client_auth),
        cmocka_unit_test(test_tree_lists_root_first_with_marks),
        cmocka_unit_test(test_tree_shows_the_missing_issuer_on_top),
        cmocka_unit_test(test_report_text_has_cause_fix_and_openssl_line),
        cmocka_unit_test(test_report_text_truncates_safely_in_a_small_buffer),
        cmocka_unit_test(test_diagnose_rejects_missing_leaf),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
