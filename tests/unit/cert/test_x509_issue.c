/* test_x509_issue.c - moat_x509: the CA pair, Trust&GO-shaped device certificates (fields,
 * dates, serial, key ids, compressed-form round trip), verification certificates, PEM files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "moat/certcodec.h"
#include "moat/x509.h"

static const uint8_t SN[9] = {0x01, 0x23, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xEE};
#define T_2026_11_25_10_37 ((time_t)1795603020) /* 2026-11-25 10:37:00 UTC */

typedef struct {
    moat_x509_ca ca;
    EVP_PKEY *dev_key;
    char dir[64];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    moat_x509_ca_opts o;
    moat_x509_ca_opts_init(&o);
    o.org = "Acme";
    o.not_before = T_2026_11_25_10_37;
    assert_int_equal(moat_x509_ca_create(&o, &f->ca, NULL), MOAT_X509_OK);
    assert_int_equal(moat_x509_generate_p256(&f->dev_key, NULL), MOAT_X509_OK);
    snprintf(f->dir, sizeof f->dir, "/tmp/moat-x509-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    moat_x509_ca_free(&f->ca);
    EVP_PKEY_free(f->dev_key);
    free(f);
    return 0;
}

static X509 *issue(fixture *f, moat_x509_device_opts *o)
{
    X509 *c = NULL;
    moat_x509_err e = {""};
    moat_x509_status st =
        moat_x509_issue_device(f->ca.signer, f->ca.signer_key, f->dev_key, o, &c, &e);
    if (st != MOAT_X509_OK)
        fail_msg("issue: %s", e.msg);
    return c;
}

static X509 *issue_sn(fixture *f, unsigned years)
{
    moat_x509_device_opts o;
    moat_x509_device_opts_init(&o);
    memcpy(o.sn, SN, 9);
    o.have_sn = true;
    o.not_before = T_2026_11_25_10_37;
    o.years = years;
    return issue(f, &o);
}

static void name_of(const X509_NAME *n, char *buf, size_t cap)
{
    moat_x509_name_text(n, buf, cap);
}

static void raw_time(const ASN1_TIME *t, char *buf, size_t cap)
{
    snprintf(buf, cap, "%d:%.*s", ASN1_STRING_type(t), ASN1_STRING_length(t),
             (const char *)ASN1_STRING_get0_data(t));
}

static int verify_chain(X509 *root, X509 *signer, X509 *leaf)
{
    X509_STORE *s = X509_STORE_new();
    STACK_OF(X509) *u = sk_X509_new_null();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    X509_STORE_add_cert(s, root);
    sk_X509_push(u, signer);
    X509_STORE_CTX_init(ctx, s, leaf, u);
    int ok = X509_verify_cert(ctx);
    int err = ok == 1 ? 0 : X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    sk_X509_free(u);
    X509_STORE_free(s);
    return err;
}

/* ---- CA ---- */

static void test_ca_root_is_self_signed_ca_named_after_org(void **state)
{
    fixture *f = *state;
    char n[256];
    name_of(X509_get_subject_name(f->ca.root), n, sizeof n);
    assert_string_equal(n, "O=Acme, CN=Acme Root CA");
    assert_int_equal(
        X509_NAME_cmp(X509_get_subject_name(f->ca.root), X509_get_issuer_name(f->ca.root)), 0);
    assert_int_equal(X509_verify(f->ca.root, X509_get0_pubkey(f->ca.root)), 1);
    assert_true(X509_get_extension_flags(f->ca.root) & EXFLAG_CA);
    assert_true(X509_get_key_usage(f->ca.root) & KU_KEY_CERT_SIGN);
    assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(f->ca.root),
                                           X509_get0_authority_key_id(f->ca.root)),
                     0);
}

static void test_ca_signer_has_pathlen_zero_and_root_aki(void **state)
{
    fixture *f = *state;
    char n[256];
    name_of(X509_get_subject_name(f->ca.signer), n, sizeof n);
    assert_string_equal(n, "O=Acme, CN=Acme Signer 0001");
    assert_int_equal(X509_get_pathlen(f->ca.signer), 0);
    assert_true(X509_get_extension_flags(f->ca.signer) & EXFLAG_CA);
    assert_true(X509_get_key_usage(f->ca.signer) & KU_KEY_CERT_SIGN);
    assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(f->ca.root),
                                           X509_get0_authority_key_id(f->ca.signer)),
                     0);
    assert_int_equal(X509_verify(f->ca.signer, X509_get0_pubkey(f->ca.root)), 1);
}

static void test_ca_rejects_signer_id_that_is_not_4_upper_hex(void **state)
{
    (void)state;
    moat_x509_ca_opts o;
    moat_x509_ca ca;
    moat_x509_err e = {""};
    moat_x509_ca_opts_init(&o);
    o.signer_id = "ffff";
    assert_int_equal(moat_x509_ca_create(&o, &ca, &e), MOAT_X509_ERR_ARGUMENT);
    assert_non_null(strstr(e.msg, "4 upper-case hex digits"));
}

/* ---- device ---- */

static void test_device_subject_is_trust_and_go_sn_convention(void **state)
{
    fixture *f = *state;
    X509 *c = issue_sn(f, 28);
    char n[256];
    name_of(X509_get_subject_name(c), n, sizeof n);
    assert_string_equal(n, "O=Acme, CN=sn0123030405060708EE");
    assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(c), X509_get_subject_name(f->ca.signer)),
                     0);
    X509_free(c);
}

static void test_device_cn_format_gives_legacy_atecc_form(void **state)
{
    fixture *f = *state;
    moat_x509_device_opts o;
    moat_x509_device_opts_init(&o);
    memcpy(o.sn, SN, 9);
    o.have_sn = true;
    o.cn_format = "{sn} ATECC";
    X509 *c = issue(f, &o);
    char n[256];
    moat_x509_name_cn(X509_get_subject_name(c), n, sizeof n);
    assert_string_equal(n, "CN=0123030405060708EE ATECC");
    X509_free(c);
}

static void test_device_validity_is_whole_hours_and_whole_years(void **state)
{
    fixture *f = *state;
    X509 *c = issue_sn(f, 28);
    char nb[64], na[64];
    raw_time(X509_get0_notBefore(c), nb, sizeof nb);
    raw_time(X509_get0_notAfter(c), na, sizeof na);
    assert_string_equal(nb, "23:261125100000Z");   /* UTCTime, minutes dropped */
    assert_string_equal(na, "24:20541125100000Z"); /* GeneralizedTime, +28 years */
    X509_free(c);
}

static void test_device_years_zero_means_no_expiry_9999(void **state)
{
    fixture *f = *state;
    X509 *c = issue_sn(f, 0);
    char na[64];
    raw_time(X509_get0_notAfter(c), na, sizeof na);
    assert_string_equal(na, "24:99991231235959Z");
    X509_free(c);
}

static void test_device_rejects_years_the_compressed_form_cannot_hold(void **state)
{
    fixture *f = *state;
    moat_x509_device_opts o;
    moat_x509_device_opts_init(&o);
    o.cn = "dev";
    o.years = 128;
    X509 *c = NULL;
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_issue_device(f->ca.signer, f->ca.signer_key, f->dev_key, &o, &c, &e),
                     MOAT_X509_ERR_ARGUMENT);
    assert_null(c);
    assert_non_null(strstr(e.msg, "127 whole years"));
}

static void test_device_without_sn_or_cn_is_refused_with_the_fix(void **state)
{
    fixture *f = *state;
    moat_x509_device_opts o;
    moat_x509_device_opts_init(&o);
    X509 *c = NULL;
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_issue_device(f->ca.signer, f->ca.signer_key, f->dev_key, &o, &c, &e),
                     MOAT_X509_ERR_ARGUMENT);
    assert_non_null(strstr(e.msg, "--sn"));
}

static void test_device_with_wrong_signer_key_is_refused(void **state)
{
    fixture *f = *state;
    moat_x509_device_opts o;
    moat_x509_device_opts_init(&o);
    o.cn = "dev";
    X509 *c = NULL;
    assert_int_equal(moat_x509_issue_device(f->ca.signer, f->ca.root_key, f->dev_key, &o, &c, NULL),
                     MOAT_X509_ERR_KEY_MISMATCH);
}

static void test_device_extensions_match_the_template(void **state)
{
    fixture *f = *state;
    X509 *c = issue_sn(f, 28);
    uint32_t flags = X509_get_extension_flags(c);
    assert_false(flags & EXFLAG_CA);
    assert_true(flags & EXFLAG_BCONS);
    assert_int_equal(X509_get_key_usage(c), KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT);
    assert_int_equal(X509_get_extended_key_usage(c), XKU_SSL_CLIENT);
    uint8_t id[20];
    assert_int_equal(moat_x509_key_id(f->dev_key, id, NULL), MOAT_X509_OK);
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c);
    assert_int_equal(ASN1_STRING_length(ski), 20);
    assert_memory_equal(ASN1_STRING_get0_data(ski), id, 20);
    assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(c),
                                           X509_get0_subject_key_id(f->ca.signer)),
                     0);
    X509_free(c);
}

static void test_device_chain_verifies_with_openssl(void **state)
{
    fixture *f = *state;
    X509 *c = issue_sn(f, 28);
    assert_int_equal(verify_chain(f->ca.root, f->ca.signer, c), 0);
    X509_free(c);
}

static void test_device_serial_is_the_pub_key_hash_of_the_compressed_form(void **state)
{
    fixture *f = *state;
    X509 *c = issue_sn(f, 28);
    uint8_t *der = NULL;
    int len = i2d_X509(c, &der);
    moat_cert_def def;
    assert_int_equal(moat_cert_def_from_der(der, (size_t)len, MOAT_CERT_SIGNER_ID_NONE, &def),
                     MOAT_CERT_OK);
    uint8_t signer_xy[64], dev_xy[64], comp[72], back[1024];
    size_t back_len = 0;
    assert_int_equal(moat_x509_pubkey_to_raw(f->ca.signer_key, signer_xy, NULL), MOAT_X509_OK);
    assert_int_equal(moat_x509_pubkey_to_raw(f->dev_key, dev_xy, NULL), MOAT_X509_OK);
    moat_cert_extra extra = {signer_xy, NULL};
    /* compress refuses a serial that is not derived as the definition says */
    assert_int_equal(moat_cert_compress(&def, der, (size_t)len, &extra, comp), MOAT_CERT_OK);
    assert_int_equal(moat_cert_rebuild(&def, comp, dev_xy, &extra, back, sizeof back, &back_len),
                     MOAT_CERT_OK);
    assert_int_equal(back_len, (size_t)len);
    assert_memory_equal(back, der, back_len);
    OPENSSL_free(der);
    X509_free(c);
}

static void test_signer_survives_the_compressed_form(void **state)
{
    fixture *f = *state;
    uint8_t *der = NULL;
    int len = i2d_X509(f->ca.signer, &der);
    moat_cert_def def;
    assert_int_equal(moat_cert_def_from_der(der, (size_t)len, MOAT_CERT_SIGNER_ID_AUTO, &def),
                     MOAT_CERT_OK);
    uint8_t root_xy[64], signer_xy[64], comp[72], back[1024];
    size_t back_len = 0;
    moat_x509_pubkey_to_raw(f->ca.root_key, root_xy, NULL);
    moat_x509_pubkey_to_raw(f->ca.signer_key, signer_xy, NULL);
    moat_cert_extra extra = {root_xy, NULL};
    assert_int_equal(moat_cert_compress(&def, der, (size_t)len, &extra, comp), MOAT_CERT_OK);
    assert_int_equal(moat_cert_rebuild(&def, comp, signer_xy, &extra, back, sizeof back, &back_len),
                     MOAT_CERT_OK);
    assert_memory_equal(back, der, (size_t)len);
    OPENSSL_free(der);
}

/* ---- verification certificate ---- */

static void test_verification_cert_cn_is_the_code_and_signed_by_the_ca(void **state)
{
    fixture *f = *state;
    const char *code = "4f4a0e8ae16d1c8b2e3b1f2a0d9c8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170";
    X509 *v = NULL;
    assert_int_equal(
        moat_x509_verification_cert(f->ca.signer, f->ca.signer_key, code, 30, &v, NULL),
        MOAT_X509_OK);
    char cn[128];
    moat_x509_name_cn(X509_get_subject_name(v), cn, sizeof cn);
    assert_string_equal(cn + 3, code);
    assert_int_equal(X509_verify(v, X509_get0_pubkey(f->ca.signer)), 1);
    assert_int_equal(X509_verify(v, X509_get0_pubkey(f->ca.root)), 0);
    X509_free(v);
}

static void test_verification_cert_rejects_empty_code(void **state)
{
    fixture *f = *state;
    X509 *v = NULL;
    assert_int_equal(moat_x509_verification_cert(f->ca.root, f->ca.root_key, "", 30, &v, NULL),
                     MOAT_X509_ERR_ARGUMENT);
}

/* ---- files ---- */

static void path_in(fixture *f, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", f->dir, name);
}

static void test_ca_save_writes_keys_0600_and_loads_back(void **state)
{
    fixture *f = *state;
    char p[128];
    path_in(f, "ca", p, sizeof p);
    assert_int_equal(moat_x509_ca_save(&f->ca, p, false, NULL), MOAT_X509_OK);
    struct stat sb;
    char k[160];
    snprintf(k, sizeof k, "%s/root.key", p);
    assert_int_equal(stat(k, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(k, sizeof k, "%s/signer.key", p);
    assert_int_equal(stat(k, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    moat_x509_ca back;
    assert_int_equal(moat_x509_ca_load(p, &back, NULL), MOAT_X509_OK);
    assert_int_equal(X509_cmp(back.signer, f->ca.signer), 0);
    assert_int_equal(EVP_PKEY_eq(back.root_key, f->ca.root_key), 1);
    moat_x509_ca_free(&back);
}

static void test_ca_save_refuses_to_overwrite_without_force(void **state)
{
    fixture *f = *state;
    char p[128], k[160];
    path_in(f, "ca2", p, sizeof p);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(k, sizeof k, "%s/signer.key", p);
    FILE *fp = fopen(k, "w");
    fputs("precious", fp);
    fclose(fp);
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_ca_save(&f->ca, p, false, &e), MOAT_X509_ERR_EXISTS);
    assert_non_null(strstr(e.msg, "--force"));
    snprintf(k, sizeof k, "%s/root.crt", p);
    assert_int_not_equal(access(k, F_OK), 0); /* refused before writing anything */
    assert_int_equal(moat_x509_ca_save(&f->ca, p, true, NULL), MOAT_X509_OK);
}

static void test_ca_load_detects_a_key_that_is_not_its_certificates(void **state)
{
    fixture *f = *state;
    char p[128], k[160];
    path_in(f, "ca3", p, sizeof p);
    assert_int_equal(moat_x509_ca_save(&f->ca, p, false, NULL), MOAT_X509_OK);
    snprintf(k, sizeof k, "%s/signer.key", p);
    assert_int_equal(moat_x509_write_key(k, f->dev_key, true, NULL), MOAT_X509_OK);
    moat_x509_ca back;
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_ca_load(p, &back, &e), MOAT_X509_ERR_KEY_MISMATCH);
    assert_non_null(strstr(e.msg, "signer.key does not belong to"));
    assert_null(back.signer);
}

static void test_write_key_with_force_resets_mode_to_0600(void **state)
{
    fixture *f = *state;
    char p[128];
    path_in(f, "k.pem", p, sizeof p);
    FILE *fp = fopen(p, "w");
    fclose(fp);
    chmod(p, 0644);
    assert_int_equal(moat_x509_write_key(p, f->dev_key, false, NULL), MOAT_X509_ERR_EXISTS);
    assert_int_equal(moat_x509_write_key(p, f->dev_key, true, NULL), MOAT_X509_OK);
    struct stat sb;
    stat(p, &sb);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

static void test_load_public_key_accepts_pubkey_cert_and_csr(void **state)
{
    fixture *f = *state;
    char p[128];
    EVP_PKEY *k = NULL;
    const char *kind = NULL;
    path_in(f, "pub.pem", p, sizeof p);
    assert_int_equal(moat_x509_write_pubkey(p, f->dev_key, false, NULL), MOAT_X509_OK);
    assert_int_equal(moat_x509_load_public_key(p, &k, &kind, NULL), MOAT_X509_OK);
    assert_string_equal(kind, "public key");
    assert_int_equal(EVP_PKEY_eq(k, f->dev_key), 1);
    EVP_PKEY_free(k);

    X509_REQ *req = X509_REQ_new();
    X509_REQ_set_pubkey(req, f->dev_key);
    X509_REQ_sign(req, f->dev_key, EVP_sha256());
    path_in(f, "dev.csr", p, sizeof p);
    FILE *fp = fopen(p, "w");
    PEM_write_X509_REQ(fp, req);
    fclose(fp);
    assert_int_equal(moat_x509_load_public_key(p, &k, &kind, NULL), MOAT_X509_OK);
    assert_string_equal(kind, "CSR");
    assert_int_equal(EVP_PKEY_eq(k, f->dev_key), 1);
    EVP_PKEY_free(k);
    X509_REQ_free(req);

    path_in(f, "signer.pem", p, sizeof p);
    assert_int_equal(moat_x509_write_cert(p, f->ca.signer, false, NULL), MOAT_X509_OK);
    assert_int_equal(moat_x509_load_public_key(p, &k, &kind, NULL), MOAT_X509_OK);
    assert_string_equal(kind, "certificate");
    EVP_PKEY_free(k);
}

/* `openssl ecparam -genkey` (without -noout) writes EC PARAMETERS, then the key. */
static void test_load_public_key_skips_a_leading_ec_parameters_block(void **state)
{
    fixture *f = *state;
    char p[128];
    path_in(f, "ecparam.key", p, sizeof p);
    FILE *fp = fopen(p, "w");
    fputs("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n", fp);
    PEM_write_PrivateKey(fp, f->dev_key, NULL, NULL, 0, NULL, NULL);
    fclose(fp);
    EVP_PKEY *k = NULL;
    const char *kind = NULL;
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_load_public_key(p, &k, &kind, &e), MOAT_X509_OK);
    assert_string_equal(kind, "private key");
    assert_int_equal(EVP_PKEY_eq(k, f->dev_key), 1);
    EVP_PKEY_free(k);
}

static void test_csr_signed_by_another_key_is_refused(void **state)
{
    fixture *f = *state;
    X509_REQ *req = X509_REQ_new();
    X509_REQ_set_pubkey(req, f->dev_key);
    X509_REQ_sign(req, f->ca.root_key, EVP_sha256()); /* not the key it carries */
    char p[128];
    path_in(f, "bad.csr", p, sizeof p);
    FILE *fp = fopen(p, "w");
    PEM_write_X509_REQ(fp, req);
    fclose(fp);
    X509_REQ_free(req);
    X509_REQ *out = NULL;
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_load_csr(p, &out, &e), MOAT_X509_ERR_CSR_SIGNATURE);
    assert_null(out);
    assert_non_null(strstr(e.msg, "does not verify"));
}

static void test_p384_key_is_refused_as_not_p256(void **state)
{
    fixture *f = *state;
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    char p[128];
    path_in(f, "p384.pem", p, sizeof p);
    assert_int_equal(moat_x509_write_pubkey(p, k, false, NULL), MOAT_X509_OK);
    EVP_PKEY *back = NULL;
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_load_public_key(p, &back, NULL, &e), MOAT_X509_ERR_KEY_TYPE);
    assert_null(back);
    assert_non_null(strstr(e.msg, "secp384r1"));
    EVP_PKEY_free(k);
}

static void test_raw_point_round_trips_and_off_curve_is_refused(void **state)
{
    fixture *f = *state;
    uint8_t xy[64];
    EVP_PKEY *k = NULL;
    assert_int_equal(moat_x509_pubkey_to_raw(f->dev_key, xy, NULL), MOAT_X509_OK);
    assert_int_equal(moat_x509_pubkey_from_raw(xy, &k, NULL), MOAT_X509_OK);
    assert_int_equal(EVP_PKEY_eq(k, f->dev_key), 1);
    EVP_PKEY_free(k);
    xy[63] ^= 1;
    assert_int_not_equal(moat_x509_pubkey_from_raw(xy, &k, NULL), MOAT_X509_OK);
    assert_null(k);
}

static void test_load_certs_names_the_file_when_it_holds_none(void **state)
{
    fixture *f = *state;
    char p[128];
    path_in(f, "junk.crt", p, sizeof p);
    FILE *fp = fopen(p, "w");
    fputs("not a certificate\n", fp);
    fclose(fp);
    STACK_OF(X509) *sk = NULL;
    moat_x509_err e = {""};
    assert_int_equal(moat_x509_load_certs(p, &sk, &e), MOAT_X509_ERR_PARSE);
    assert_non_null(strstr(e.msg, "junk.crt holds no certificate"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ca_root_is_self_signed_ca_named_after_org),
        cmocka_unit_test(test_ca_signer_has_pathlen_zero_and_root_aki),
        cmocka_unit_test(test_ca_rejects_signer_id_that_is_not_4_upper_hex),
        cmocka_unit_test(test_device_subject_is_trust_and_go_sn_convention),
        cmocka_unit_test(test_device_cn_format_gives_legacy_atecc_form),
        cmocka_unit_test(test_device_validity_is_whole_hours_and_whole_years),
        cmocka_unit_test(test_device_years_zero_means_no_expiry_9999),
        cmocka_unit_test(test_device_rejects_years_the_compressed_form_cannot_hold),
        cmocka_unit_test(test_device_without_sn_or_cn_is_refused_with_the_fix),
        cmocka_unit_test(test_device_with_wrong_signer_key_is_refused),
        cmocka_unit_test(test_device_extensions_match_the_template),
        cmocka_unit_test(test_device_chain_verifies_with_openssl),
        cmocka_unit_test(test_device_serial_is_the_pub_key_hash_of_the_compressed_form),
        cmocka_unit_test(test_signer_survives_the_compressed_form),
        cmocka_unit_test(test_verification_cert_cn_is_the_code_and_signed_by_the_ca),
        cmocka_unit_test(test_verification_cert_rejects_empty_code),
        cmocka_unit_test(test_ca_save_writes_keys_0600_and_loads_back),
        cmocka_unit_test(test_ca_save_refuses_to_overwrite_without_force),
        cmocka_unit_test(test_ca_load_detects_a_key_that_is_not_its_certificates),
        cmocka_unit_test(test_write_key_with_force_resets_mode_to_0600),
        cmocka_unit_test(test_load_public_key_skips_a_leading_ec_parameters_block),
        cmocka_unit_test(test_load_public_key_accepts_pubkey_cert_and_csr),
        cmocka_unit_test(test_csr_signed_by_another_key_is_refused),
        cmocka_unit_test(test_p384_key_is_refused_as_not_p256),
        cmocka_unit_test(test_raw_point_round_trips_and_off_curve_is_refused),
        cmocka_unit_test(test_load_certs_names_the_file_when_it_holds_none),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
