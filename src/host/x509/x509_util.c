/* x509_util.c - moat_x509 status texts, error detail, names, times, key identifiers and the
 * small OpenSSL conveniences the other files share. */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "host/x509/x509_internal.h"

const char *moat_x509_strerror(moat_x509_status s)
{
    switch (s) {
    case MOAT_X509_OK:
        return "ok";
    case MOAT_X509_ERR_ARGUMENT:
        return "a parameter is missing or out of range";
    case MOAT_X509_ERR_IO:
        return "a file could not be read or written (check the path and "
               "permissions)";
    case MOAT_X509_ERR_EXISTS:
        return "the output file already exists; pass --force to "
               "overwrite it";
    case MOAT_X509_ERR_PARSE:
        return "the input is not PEM of the expected kind";
    case MOAT_X509_ERR_KEY_TYPE:
        return "the key is not EC P-256 (prime256v1), the only curve "
               "the ATECC608 and Trust&GO certificates use";
    case MOAT_X509_ERR_CSR_SIGNATURE:
        return "the CSR's signature does not verify: it was "
               "altered or signed by another key; create it again";
    case MOAT_X509_ERR_KEY_MISMATCH:
        return "a private key does not belong to its certificate";
    case MOAT_X509_ERR_CRYPTO:
        return "OpenSSL failed the operation";
    }
    return "unknown moat_x509 status";
}

moat_x509_status moat_x509__fail(moat_x509_err *e, moat_x509_status s, int with_ssl,
                                 const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        unsigned long code = with_ssl ? ERR_peek_last_error() : 0;
        if (code) {
            size_t n = strlen(e->msg);
            char buf[160];
            ERR_error_string_n(code, buf, sizeof buf);
            snprintf(e->msg + n, sizeof e->msg - n, " (openssl: %s)", buf);
        }
    }
    ERR_clear_error();
    return s;
}

void moat_x509_name_text(const X509_NAME *n, char *buf, size_t cap)
{
    if (cap == 0)
        return;
    buf[0] = 0;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    unsigned long flags =
        (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) | ASN1_STRFLGS_UTF8_CONVERT;
    if (X509_NAME_print_ex(b, n, 0, flags) >= 0) {
        int len = BIO_read(b, buf, (int)cap - 1);
        buf[len > 0 ? len : 0] = 0;
    }
    BIO_free(b);
}

void moat_x509_name_cn(const X509_NAME *n, char *buf, size_t cap)
{
    if (cap == 0)
        return;
    int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
    const ASN1_STRING *s = i >= 0 ? X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)) : NULL;
    if (!s) {
        moat_x509_name_text(n, buf, cap);
        return;
    }
    snprintf(buf, cap, "CN=%.*s", ASN1_STRING_length(s), (const char *)ASN1_STRING_get0_data(s));
}

void moat_x509_time_text(const ASN1_TIME *t, char *buf, size_t cap)
{
    struct tm tm;
    if (!t || !ASN1_TIME_to_tm(t, &tm)) {
        snprintf(buf, cap, "(invalid time)");
        return;
    }
    strftime(buf, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

void moat_x509__hex(const uint8_t *b, size_t n, bool colon, char *out, size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return;
    out[0] = 0;
    for (size_t i = 0; i < n && o + (colon && i ? 3u : 2u) < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, colon && i ? ":%02X" : "%02X", b[i]);
}

static bool copy_key_id(const ASN1_OCTET_STRING *s, uint8_t *out, size_t *len)
{
    if (!s || ASN1_STRING_length(s) > 64)
        return false;
    *len = (size_t)ASN1_STRING_length(s);
    memcpy(out, ASN1_STRING_get0_data(s), *len);
    return true;
}

bool moat_x509__ski(X509 *c, uint8_t *out, size_t *len)
{
    return copy_key_id(X509_get0_subject_key_id(c), out, len);
}

bool moat_x509__aki(X509 *c, uint8_t *out, size_t *len)
{
    return copy_key_id(X509_get0_authority_key_id(c), out, len);
}

X509_NAME *moat_x509__name(const char *org, const char *cn)
{
    X509_NAME *n = X509_NAME_new();
    if (!n)
        return NULL;
    if ((org && !X509_NAME_add_entry_by_NID(n, NID_organizationName, MBSTRING_UTF8,
                                            (const unsigned char *)org, -1, -1, 0)) ||
        !X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn, -1,
                                    -1, 0)) {
        X509_NAME_free(n);
        return NULL;
    }
    return n;
}

moat_x509_status moat_x509__add_ext(X509 *cert, X509 *issuer, int nid, const char *value,
                                    moat_x509_err *e)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "cannot build extension %s=%s",
                               OBJ_nid2sn(nid), value);
    int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? MOAT_X509_OK
              : moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "cannot add extension %s",
                                OBJ_nid2sn(nid));
}

time_t moat_x509__whole_hour(time_t t, unsigned years)
{
    t -= t % 3600; /* the compressed form keeps whole hours only */
    struct tm tm;
    gmtime_r(&t, &tm);
    int y = tm.tm_year + 1900 + (int)years;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (years && tm.tm_mon == 1 && tm.tm_mday == 29 && !leap)
        t -= 86400;
    return t;
}

moat_x509_status moat_x509__set_validity(X509 *cert, time_t not_before, unsigned years,
                                         bool after_generalized, moat_x509_err *e)
{
    if (not_before == 0)
        not_before = time(NULL);
    not_before = moat_x509__whole_hour(not_before, years);
    struct tm tm;
    gmtime_r(&not_before, &tm);
    ASN1_TIME *nb = ASN1_TIME_set(NULL, not_before);
    char gen[32];
    if (years == 0) {
        /* RFC 5280 4.1.2.5: no well-defined expiration date */
        snprintf(gen, sizeof gen, "99991231235959Z");
    } else {
        snprintf(gen, sizeof gen, "%04d%02d%02d%02d0000Z", tm.tm_year + 1900 + (int)years,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour);
    }
    ASN1_TIME *na = ASN1_TIME_new();
    int ok = nb && na &&
             (after_generalized ? ASN1_GENERALIZEDTIME_set_string(na, gen)
                                : ASN1_TIME_set_string_X509(na, gen)) &&
             X509_set1_notBefore(cert, nb) && X509_set1_notAfter(cert, na);
    ASN1_TIME_free(nb);
    ASN1_TIME_free(na);
    return ok ? MOAT_X509_OK
              : moat_x509__fail(e, MOAT_X509_ERR_ARGUMENT, 1, "cannot set validity (%u years)",
                                years);
}

moat_x509_status moat_x509__random_serial(X509 *cert, moat_x509_err *e)
{
    uint8_t sn[16];
    if (RAND_bytes(sn, sizeof sn) != 1)
        return moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "no random bytes for the serial");
    sn[0] = (uint8_t)((sn[0] & 0x7F) | 0x40);
    BIGNUM *bn = BN_bin2bn(sn, sizeof sn, NULL);
    int ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert));
    BN_free(bn);
    return ok ? MOAT_X509_OK : moat_x509__fail(e, MOAT_X509_ERR_CRYPTO, 1, "serial");
}
