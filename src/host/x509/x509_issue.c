/* x509_issue.c - building certificates: the root and signer CAs, Trust&GO-shaped device
 * certificates, AWS IoT verification certificates and test server certificates. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>

#include "host/x509/x509_internal.h"
#include "moat/certcodec.h"

/* A version-3 certificate with names and key set; `issuer` NULL means self-issued. */
static X509 *new_cert(X509_NAME *subject, X509 *issuer, EVP_PKEY *pub)
{
    X509 *c = X509_new();
    if (!c || !X509_set_version(c, X509_VERSION_3) || !X509_set_subject_name(c, subject) ||
        !X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : subject) ||
        !X509_set_pubkey(c, pub)) {
        X509_free(c);
        return NULL;
    }
    return c;
}

static moat_x509_status add_exts(X509 *c, X509 *issuer, const int *nids, const char *const *vals,
                                 size_t n, moat_x509_err *e)
{
    for (size_t i = 0; i < n; i++) {
        if (!vals[i])
            continue;
        moat_x509_status st = moat_x509__add_ext(c, issuer, nids[i], vals[i], e);
        if (st != MOAT_X509_OK)
            return st;
    }
    return MOAT_X509_OK;
}

static moat_x509_status sign(X509 *c, EVP_PKEY *key, moat_x509_err *e)
{
    return X509_sign(c, key, EVP_sha256()) > 0
               ? MOAT_X509_OK
               : moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "signing the certificate failed");
}

/* The serial Microchip's compressed form derives (SNSRC_PUB_KEY_HASH, as Trust&GO): SHA-256 of
 * the public key X||Y and the compressed date bytes, 16 bytes, top bits 01. A certificate
 * whose serial is derived this way survives compression into the chip and the rebuild. */
static moat_x509_status derived_serial(X509 *c, EVP_PKEY *pub, time_t nb, unsigned years,
                                       moat_x509_err *e)
{
    if (nb == 0)
        nb = time(NULL);
    nb = moat_x509__whole_hour(nb, years);
    struct tm tm;
    gmtime_r(&nb, &tm);
    moat_cert_comp comp;
    memset(&comp, 0, sizeof comp);
    comp.issue.year = (uint16_t)(tm.tm_year + 1900);
    comp.issue.month = (uint8_t)(tm.tm_mon + 1);
    comp.issue.day = (uint8_t)tm.tm_mday;
    comp.issue.hour = (uint8_t)tm.tm_hour;
    comp.expire_years = (uint8_t)years;
    comp.sn_source = MOAT_CERT_SNSRC_PUB_KEY_HASH;
    comp.format_version = moat_cert_comp_format_for(comp.issue.year, comp.expire_years);
    uint8_t bytes[MOAT_CERT_COMP_SIZE], xy[64], sn[16];
    moat_x509_status st = moat_x509_pubkey_to_raw(pub, xy, e);
    if (st != MOAT_X509_OK)
        return st;
    moat_cert_status cs = moat_cert_comp_encode(&comp, bytes);
    if (cs == MOAT_CERT_OK)
        cs = moat_cert_serial_derive(MOAT_CERT_SNSRC_PUB_KEY_HASH, bytes, xy, NULL, sn, sizeof sn);
    if (cs != MOAT_CERT_OK)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "the validity (issued %04d-%02d-%02d, %u years) cannot be "
                               "expressed in the compressed certificate: %s",
                               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, years,
                               moat_cert_explain(cs));
    BIGNUM *bn = BN_bin2bn(sn, sizeof sn, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
    BN_free(bn);
    return ok ? MOAT_X509_OK : moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "serial");
}

static moat_x509_status check_issuer_key(X509 *issuer, EVP_PKEY *key, moat_x509_err *e)
{
    if (!issuer || !key)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0, "issuer certificate or key missing");
    if (X509_check_private_key(issuer, key) != 1)
        return moat_x509__fail(e, MOAT_X509_ERR_KEY_MISMATCH, 0,
                               "the issuer's private key does not belong to its certificate");
    return MOAT_X509_OK;
}

/* ---- CA --------------------------------------------------------------------------------- */

void moat_x509_ca_opts_init(moat_x509_ca_opts *o)
{
    memset(o, 0, sizeof *o);
    o->org = "Moat";
    o->signer_id = "0001";
    o->root_years = 40;
    o->signer_years = 31;
}

static bool is_signer_id(const char *s)
{
    if (!s || strlen(s) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return false;
    return true;
}

static moat_x509_status make_ca_cert(const char *org, const char *cn, X509 *issuer,
                                     EVP_PKEY *issuer_key, EVP_PKEY *key, time_t nb, unsigned years,
                                     bool pathlen0, X509 **out, moat_x509_err *e)
{
    X509_NAME *name = moat_x509__name(org, cn);
    X509 *c = name ? new_cert(name, issuer, key) : NULL;
    X509_NAME_free(name);
    if (!c)
        return moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "cannot build certificate %s", cn);
    static const int nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
                               NID_authority_key_identifier};
    const char *vals[] = {pathlen0 ? "critical,CA:TRUE,pathlen:0" : "critical,CA:TRUE",
                          "critical,digitalSignature,keyCertSign,cRLSign", "hash", "keyid:always"};
    /* the signer is stored compressed in the chip (slot 12): its serial must be derivable */
    moat_x509_status st =
        issuer ? derived_serial(c, key, nb, years, e) : moat_x509__random_serial(c, e);
    if (st == MOAT_X509_OK)
        st = moat_x509__set_validity(c, nb, years, issuer != NULL, e);
    if (st == MOAT_X509_OK)
        st = add_exts(c, issuer, nids, vals, 4, e);
    if (st == MOAT_X509_OK)
        st = sign(c, issuer_key ? issuer_key : key, e);
    if (st != MOAT_X509_OK) {
        X509_free(c);
        return st;
    }
    *out = c;
    return MOAT_X509_OK;
}

moat_x509_status moat_x509_ca_create(const moat_x509_ca_opts *o, moat_x509_ca *ca, moat_x509_err *e)
{
    moat_x509_ca_opts d;
    moat_x509_ca_opts_init(&d);
    if (!o)
        o = &d;
    memset(ca, 0, sizeof *ca);
    const char *org = o->org ? o->org : d.org;
    const char *id = o->signer_id ? o->signer_id : d.signer_id;
    if (!is_signer_id(id))
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "signer id \"%s\" must be 4 upper-case hex digits (e.g. 0001), as "
                               "the compressed certificate stores 2 bytes",
                               id);
    if (!org[0] || strlen(org) > 48)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "organisation name must be 1 to 48 characters");
    char root_cn[80], signer_cn[80];
    snprintf(root_cn, sizeof root_cn, "%s Root CA", org);
    snprintf(signer_cn, sizeof signer_cn, "%s Signer %s", org, id);
    time_t nb = o->not_before ? o->not_before : time(NULL);
    moat_x509_status st = moat_x509_generate_p256(&ca->root_key, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_generate_p256(&ca->signer_key, e);
    if (st == MOAT_X509_OK)
        st = make_ca_cert(org, root_cn, NULL, NULL, ca->root_key, nb,
                          o->root_years ? o->root_years : d.root_years, false, &ca->root, e);
    if (st == MOAT_X509_OK)
        st = make_ca_cert(org, signer_cn, ca->root, ca->root_key, ca->signer_key, nb,
                          o->signer_years ? o->signer_years : d.signer_years, true, &ca->signer, e);
    if (st != MOAT_X509_OK)
        moat_x509_ca_free(ca);
    return st;
}

void moat_x509_ca_free(moat_x509_ca *ca)
{
    if (!ca)
        return;
    X509_free(ca->root);
    X509_free(ca->signer);
    EVP_PKEY_free(ca->root_key);
    EVP_PKEY_free(ca->signer_key);
    memset(ca, 0, sizeof *ca);
}

static const char *const ca_files[4] = {"root.crt", "root.key", "signer.crt", "signer.key"};

moat_x509_status moat_x509_ca_save(const moat_x509_ca *ca, const char *dir, bool force,
                                   moat_x509_err *e)
{
    char path[4][4096];
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return moat_x509__fail(e, MOAT_X509_ERR_IO, 0, "cannot create directory %s: %s", dir,
                               strerror(errno));
    for (int i = 0; i < 4; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", dir, ca_files[i]);
        struct stat sb;
        if (!force && stat(path[i], &sb) == 0)
            return moat_x509__fail(e, MOAT_X509_ERR_EXISTS, 0,
                                   "%s exists: a CA is already there; refusing to overwrite its "
                                   "keys (pass --force to replace it, which invalidates every "
                                   "certificate it issued)",
                                   path[i]);
    }
    moat_x509_status st = moat_x509_write_cert(path[0], ca->root, force, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_write_key(path[1], ca->root_key, force, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_write_cert(path[2], ca->signer, force, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_write_key(path[3], ca->signer_key, force, e);
    return st;
}

moat_x509_status moat_x509_ca_load(const char *dir, moat_x509_ca *ca, moat_x509_err *e)
{
    char path[4][4096];
    memset(ca, 0, sizeof *ca);
    for (int i = 0; i < 4; i++)
        snprintf(path[i], sizeof path[i], "%s/%s", dir, ca_files[i]);
    moat_x509_status st = moat_x509_load_cert(path[0], &ca->root, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_load_private_key(path[1], &ca->root_key, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_load_cert(path[2], &ca->signer, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_load_private_key(path[3], &ca->signer_key, e);
    if (st == MOAT_X509_OK && X509_check_private_key(ca->root, ca->root_key) != 1)
        st = moat_x509__fail(e, MOAT_X509_ERR_KEY_MISMATCH, 0, "%s does not belong to %s", path[1],
                             path[0]);
    if (st == MOAT_X509_OK && X509_check_private_key(ca->signer, ca->signer_key) != 1)
        st = moat_x509__fail(e, MOAT_X509_ERR_KEY_MISMATCH, 0, "%s does not belong to %s", path[3],
                             path[2]);
    if (st != MOAT_X509_OK)
        moat_x509_ca_free(ca);
    return st;
}

/* ---- device ----------------------------------------------------------------------------- */

void moat_x509_device_opts_init(moat_x509_device_opts *o)
{
    memset(o, 0, sizeof *o);
    o->cn_format = "sn{sn}";
    o->years = 28; /* Trust&GO device certificates: 28 whole years */
    o->key_agreement = true;
    o->client_auth = true;
}

const char *moat_x509_serial_rule(void)
{
    return "SHA-256 of the public key X||Y and the compressed date bytes, first 16 bytes, top "
           "bits 01 (Microchip's SNSRC_PUB_KEY_HASH, as Trust&GO), so the chip's compressed form "
           "rebuilds the same serial";
}

static moat_x509_status device_cn(const moat_x509_device_opts *o, char *cn, size_t cap,
                                  moat_x509_err *e)
{
    if (o->cn) {
        if (!o->cn[0] || strlen(o->cn) >= cap || strlen(o->cn) > 64)
            return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                                   "the CN must be 1 to 64 characters (RFC 5280 ub-common-name)");
        snprintf(cn, cap, "%s", o->cn);
        return MOAT_X509_OK;
    }
    if (!o->have_sn)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "the device has no name: give its 9-byte chip serial number "
                               "(--sn 0123...EE, 18 hex digits) or a CN (--cn NAME)");
    const char *fmt = o->cn_format ? o->cn_format : "sn{sn}";
    const char *at = strstr(fmt, "{sn}");
    char hex[19];
    moat_x509__hex(o->sn, 9, false, hex, sizeof hex);
    int n = at ? snprintf(cn, cap, "%.*s%s%s", (int)(at - fmt), fmt, hex, at + 4)
               : snprintf(cn, cap, "%s", fmt);
    if (n <= 0 || (size_t)n >= cap || n > 64)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "the CN built from \"%s\" is longer than 64 characters", fmt);
    return MOAT_X509_OK;
}

static moat_x509_status set_serial(X509 *c, EVP_PKEY *pub, const moat_x509_device_opts *o,
                                   time_t nb, moat_x509_err *e)
{
    if (!o->serial)
        return derived_serial(c, pub, nb, o->years, e);
    if (o->serial_len == 0 || o->serial_len > 20)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "a certificate serial is 1 to 20 bytes (RFC 5280 4.1.2.2)");
    BIGNUM *bn = BN_bin2bn(o->serial, (int)o->serial_len, NULL);
    int ok = bn && !BN_is_zero(bn) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
    BN_free(bn);
    return ok ? MOAT_X509_OK
              : moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 1, "the serial must be positive");
}

static void issuer_org(X509 *issuer, char *org, size_t cap)
{
    const X509_NAME *n = X509_get_subject_name(issuer);
    int i = X509_NAME_get_index_by_NID(n, NID_organizationName, -1);
    const ASN1_STRING *s = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)) : NULL;
    org[0] = 0;
    if (s)
        snprintf(org, cap, "%.*s", ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
}

moat_x509_status moat_x509_issue_device(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *pub,
                                        const moat_x509_device_opts *o, X509 **out,
                                        moat_x509_err *e)
{
    moat_x509_device_opts d;
    moat_x509_device_opts_init(&d);
    if (!o)
        o = &d;
    *out = NULL;
    uint8_t xy[64];
    moat_x509_status st = check_issuer_key(issuer, issuer_key, e);
    if (st == MOAT_X509_OK)
        st = moat_x509_pubkey_to_raw(pub, xy, e);
    if (st != MOAT_X509_OK)
        return st;
    if (o->years > 127)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "%u years cannot be expressed in the compressed certificate "
                               "(at most 127 whole years; 0 = no expiry)",
                               o->years);
    char cn[80], org[80];
    if ((st = device_cn(o, cn, sizeof cn, e)) != MOAT_X509_OK)
        return st;
    if (o->org)
        snprintf(org, sizeof org, "%s", o->org);
    else
        issuer_org(issuer, org, sizeof org);
    X509_NAME *name = moat_x509__name(org[0] ? org : NULL, cn);
    X509 *c = name ? new_cert(name, issuer, pub) : NULL;
    X509_NAME_free(name);
    if (!c)
        return moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "cannot build the device certificate");
    static const int nids[] = {NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
                               NID_subject_key_identifier, NID_authority_key_identifier};
    const char *vals[] = {"critical,CA:FALSE",
                          o->key_agreement ? "critical,digitalSignature,keyAgreement"
                                           : "critical,digitalSignature",
                          o->client_auth ? "clientAuth" : NULL, "hash", "keyid:always"};
    time_t nb = o->not_before ? o->not_before : time(NULL); /* one instant for both uses */
    st = set_serial(c, pub, o, nb, e);
    if (st == MOAT_X509_OK)
        st = moat_x509__set_validity(c, nb, o->years, true, e);
    if (st == MOAT_X509_OK)
        st = add_exts(c, issuer, nids, vals, 5, e);
    if (st == MOAT_X509_OK)
        st = sign(c, issuer_key, e);
    if (st != MOAT_X509_OK) {
        X509_free(c);
        return st;
    }
    *out = c;
    return MOAT_X509_OK;
}

/* ---- AWS IoT verification certificate, server certificates ------------------------------- */

static moat_x509_status issue_leaf(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *pub,
                                   const char *cn, const char *const vals[5], unsigned days,
                                   X509 **out, moat_x509_err *e)
{
    static const int nids[] = {NID_basic_constraints, NID_key_usage, NID_ext_key_usage,
                               NID_subject_alt_name, NID_subject_key_identifier};
    *out = NULL;
    moat_x509_status st = check_issuer_key(issuer, issuer_key, e);
    if (st != MOAT_X509_OK)
        return st;
    X509_NAME *name = moat_x509__name(NULL, cn);
    X509 *c = name ? new_cert(name, issuer, pub) : NULL;
    X509_NAME_free(name);
    if (!c)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 1,
                               "cannot build a certificate for "
                               "CN=%s",
                               cn);
    time_t now = time(NULL);
    int ok = X509_time_adj_ex(X509_getm_notBefore(c), 0, -300, &now) &&
             X509_time_adj_ex(X509_getm_notAfter(c), (int)days, 0, &now);
    st = ok ? moat_x509__random_serial(c, e)
            : moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 1, "bad validity (%u days)", days);
    if (st == MOAT_X509_OK)
        st = add_exts(c, issuer, nids, vals, 5, e);
    if (st == MOAT_X509_OK)
        st = moat_x509__add_ext(c, issuer, NID_authority_key_identifier, "keyid:always", e);
    if (st == MOAT_X509_OK)
        st = sign(c, issuer_key, e);
    if (st != MOAT_X509_OK)
        X509_free(c);
    else
        *out = c;
    return st;
}

moat_x509_status moat_x509_verification_cert(X509 *ca, EVP_PKEY *ca_key,
                                             const char *registration_code, unsigned days,
                                             X509 **out, moat_x509_err *e)
{
    *out = NULL;
    if (!registration_code || !registration_code[0] || strlen(registration_code) > 64)
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0,
                               "the registration code must be 1 to 64 characters (AWS gives 64 "
                               "hex digits: aws iot get-registration-code)");
    EVP_PKEY *key = NULL;
    moat_x509_status st = moat_x509_generate_p256(&key, e);
    const char *vals[5] = {"critical,CA:FALSE", "critical,digitalSignature", NULL, NULL, "hash"};
    if (st == MOAT_X509_OK)
        st = issue_leaf(ca, ca_key, key, registration_code, vals, days ? days : 365, out, e);
    EVP_PKEY_free(key);
    return st;
}

moat_x509_status moat_x509_issue_server(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *pub,
                                        const char *cn, const char *san, unsigned days, X509 **out,
                                        moat_x509_err *e)
{
    char san_conf[300] = "";
    *out = NULL;
    if (!cn || !cn[0] || strlen(cn) > 64 || (san && strlen(san) > 250))
        return moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 0, "bad server CN or name");
    if (san) {
        bool ip = strspn(san, "0123456789.:") == strlen(san);
        snprintf(san_conf, sizeof san_conf, "%s:%s", ip ? "IP" : "DNS", san);
    }
    const char *vals[5] = {"critical,CA:FALSE", "critical,digitalSignature,keyAgreement",
                           "serverAuth", san ? san_conf : NULL, "hash"};
    return issue_leaf(issuer, issuer_key, pub, cn, vals, days ? days : 365, out, e);
}
