/* cert_walk.c - builds a certificate definition from a real X.509 certificate by walking its
 * DER (RFC 5280 4.1), and checks any definition's locations against its template. */
#include <string.h>

#include "common/cert/cert_internal.h"

/* SubjectPublicKeyInfo of every P-256 key up to the 0x04 point marker (RFC 5480). */
static const uint8_t p256_spki_prefix[27] = {0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48,
                                             0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A, 0x86, 0x48,
                                             0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};
static const uint8_t oid_cn[5] = {0x06, 0x03, 0x55, 0x04, 0x03};
static const uint8_t oid_ski[5] = {0x06, 0x03, 0x55, 0x1D, 0x0E};
static const uint8_t oid_aki[5] = {0x06, 0x03, 0x55, 0x1D, 0x23};
static const uint8_t oid_bc[5] = {0x06, 0x03, 0x55, 0x1D, 0x13};

typedef struct {
    moat_cert_tlv issuer, subject;
    bool is_ca;
} walk_ctx;

static size_t tlv_end(const moat_cert_tlv *t)
{
    return t->pos + t->hdr + t->len;
}
static size_t tlv_body(const moat_cert_tlv *t)
{
    return t->pos + t->hdr;
}

/* Reads the TLV at *p with the expected tag and advances *p past it. */
static moat_cert_status expect(const uint8_t *der, size_t end, size_t *p, uint8_t tag,
                               moat_cert_tlv *t)
{
    TRY(moat_cert_der_tlv(der, end, *p, t));
    if (t->tag != tag)
        return MOAT_CERT_ERR_DER;
    *p = tlv_end(t);
    return MOAT_CERT_OK;
}

static moat_cert_status walk_date(const uint8_t *der, size_t end, size_t *p, moat_cert_loc *loc,
                                  uint8_t *fmt)
{
    moat_cert_tlv t;
    TRY(moat_cert_der_tlv(der, end, *p, &t));
    if (t.tag == 0x17 && t.len == 13)
        *fmt = MOAT_CERT_DATEFMT_UTC;
    else if (t.tag == 0x18 && t.len == 15)
        *fmt = MOAT_CERT_DATEFMT_GEN;
    else
        return MOAT_CERT_ERR_DATE_SYNTAX; /* e.g. fractional seconds or a local time */
    loc->offset = (uint16_t)tlv_body(&t);
    loc->count = (uint16_t)t.len;
    *p = tlv_end(&t);
    return MOAT_CERT_OK;
}

/* One Extension SEQUENCE: records SKI, AKI keyIdentifier and basicConstraints cA. */
static moat_cert_status walk_extension(const uint8_t *der, const moat_cert_tlv *ext,
                                       moat_cert_def *def, walk_ctx *w)
{
    size_t p = tlv_body(ext), end = tlv_end(ext);
    moat_cert_tlv oid, v, inner;
    TRY(expect(der, end, &p, 0x06, &oid));
    TRY(moat_cert_der_tlv(der, end, p, &v));
    if (v.tag == 0x01) /* critical flag */
        p = tlv_end(&v);
    TRY(expect(der, end, &p, 0x04, &v));
    if (p != end)
        return MOAT_CERT_ERR_DER;
    size_t vend = tlv_end(&v), q = tlv_body(&v);
    if (oid.hdr + oid.len != 5)
        return MOAT_CERT_OK;
    const uint8_t *o = der + oid.pos;
    if (!memcmp(o, oid_ski, 5)) {
        TRY(expect(der, vend, &q, 0x04, &inner));
        if (inner.len != MOAT_CERT_KEY_ID_SIZE)
            return MOAT_CERT_ERR_SKI_NOT_SHA1;
        def->el[MOAT_CERT_EL_SKI] = (moat_cert_loc){(uint16_t)tlv_body(&inner), 20};
    } else if (!memcmp(o, oid_aki, 5)) {
        TRY(expect(der, vend, &q, 0x30, &inner));
        q = tlv_body(&inner);
        if (q < tlv_end(&inner) && der[q] == 0x80) { /* keyIdentifier [0] IMPLICIT */
            TRY(expect(der, tlv_end(&inner), &q, 0x80, &inner));
            if (inner.len != MOAT_CERT_KEY_ID_SIZE)
                return MOAT_CERT_ERR_AKI_NOT_SHA1;
            def->el[MOAT_CERT_EL_AKI] = (moat_cert_loc){(uint16_t)tlv_body(&inner), 20};
        }
    } else if (!memcmp(o, oid_bc, 5)) {
        TRY(expect(der, vend, &q, 0x30, &inner));
        q = tlv_body(&inner);
        w->is_ca = inner.len >= 3 && der[q] == 0x01 && der[q + 1] == 0x01 && der[q + 2] != 0;
    }
    return MOAT_CERT_OK;
}

static moat_cert_status walk_extensions(const uint8_t *der, size_t end, size_t p,
                                        moat_cert_def *def, walk_ctx *w)
{
    moat_cert_tlv t, list, ext;
    while (p < end) {
        TRY(moat_cert_der_tlv(der, end, p, &t));
        p = tlv_end(&t);
        if (t.tag != 0xA3) /* issuerUniqueID / subjectUniqueID: not needed */
            continue;
        size_t q = tlv_body(&t);
        TRY(expect(der, tlv_end(&t), &q, 0x30, &list));
        for (q = tlv_body(&list); q < tlv_end(&list);) {
            TRY(expect(der, tlv_end(&list), &q, 0x30, &ext));
            TRY(walk_extension(der, &ext, def, w));
        }
    }
    return MOAT_CERT_OK;
}

static moat_cert_status walk_tbs(const uint8_t *der, const moat_cert_tlv *tbs, moat_cert_def *def,
                                 walk_ctx *w)
{
    size_t p = tlv_body(tbs), end = tlv_end(tbs);
    moat_cert_tlv t, validity, spki;
    TRY(moat_cert_der_tlv(der, end, p, &t));
    if (t.tag == 0xA0) /* version [0] EXPLICIT */
        p = tlv_end(&t);
    TRY(expect(der, end, &p, 0x02, &t));
    if (t.len == 0 || t.len > MOAT_CERT_SERIAL_MAX)
        return MOAT_CERT_ERR_SERIAL_SIZE;
    def->el[MOAT_CERT_EL_SERIAL] = (moat_cert_loc){(uint16_t)tlv_body(&t), (uint16_t)t.len};
    TRY(expect(der, end, &p, 0x30, &t)); /* signature AlgorithmIdentifier */
    TRY(expect(der, end, &p, 0x30, &w->issuer));
    TRY(expect(der, end, &p, 0x30, &validity));
    size_t q = tlv_body(&validity);
    TRY(walk_date(der, tlv_end(&validity), &q, &def->el[MOAT_CERT_EL_ISSUE_DATE], &def->issue_fmt));
    TRY(walk_date(der, tlv_end(&validity), &q, &def->el[MOAT_CERT_EL_EXPIRE_DATE],
                  &def->expire_fmt));
    TRY(expect(der, end, &p, 0x30, &w->subject));
    TRY(expect(der, end, &p, 0x30, &spki));
    if (spki.hdr + spki.len != sizeof p256_spki_prefix + 64 ||
        memcmp(der + spki.pos, p256_spki_prefix, sizeof p256_spki_prefix) != 0)
        return MOAT_CERT_ERR_KEY_NOT_P256;
    def->el[MOAT_CERT_EL_PUBLIC_KEY] =
        (moat_cert_loc){(uint16_t)(spki.pos + sizeof p256_spki_prefix), 64};
    return walk_extensions(der, end, p, def, w);
}

/* The last CN of a Name whose value ends in 4 uppercase hex characters. */
static bool find_signer_id(const uint8_t *der, const moat_cert_tlv *name, moat_cert_loc *loc)
{
    bool found = false;
    moat_cert_tlv set, atv, v;
    for (size_t p = tlv_body(name); p < tlv_end(name);) {
        if (expect(der, tlv_end(name), &p, 0x31, &set) != MOAT_CERT_OK)
            return false;
        for (size_t q = tlv_body(&set); q < tlv_end(&set);) {
            if (expect(der, tlv_end(&set), &q, 0x30, &atv) != MOAT_CERT_OK)
                return false;
            size_t r = tlv_body(&atv);
            if (atv.len < 7 || memcmp(der + r, oid_cn, 5) != 0)
                continue;
            if (moat_cert_der_tlv(der, tlv_end(&atv), r + 5, &v) != MOAT_CERT_OK || v.len < 4)
                continue;
            const uint8_t *s = der + tlv_end(&v) - 4;
            if (moat_cert_upper_hex(s[0]) >= 0 && moat_cert_upper_hex(s[1]) >= 0 &&
                moat_cert_upper_hex(s[2]) >= 0 && moat_cert_upper_hex(s[3]) >= 0) {
                *loc = (moat_cert_loc){(uint16_t)(tlv_end(&v) - 4), 4};
                found = true;
            }
        }
    }
    return found;
}

static moat_cert_status walk(const uint8_t *der, size_t len, moat_cert_def *def, walk_ctx *w)
{
    moat_cert_tlv cert, tbs, alg;
    memset(def, 0, sizeof *def);
    memset(w, 0, sizeof *w);
    if (!der || len > 0xFFFFu)
        return MOAT_CERT_ERR_DER;
    TRY(moat_cert_der_tlv(der, len, 0, &cert));
    if (cert.tag != 0x30 || tlv_end(&cert) != len)
        return MOAT_CERT_ERR_DER;
    size_t p = tlv_body(&cert);
    TRY(expect(der, len, &p, 0x30, &tbs));
    def->tbs = (moat_cert_loc){(uint16_t)tbs.pos, (uint16_t)(tbs.hdr + tbs.len)};
    TRY(walk_tbs(der, &tbs, def, w));
    TRY(expect(der, len, &p, 0x30, &alg));
    uint8_t sig[MOAT_CERT_SIG_SIZE];
    size_t used;
    TRY(moat_cert_sig_from_der(der, len, p, sig, &used));
    if (p + used != len)
        return MOAT_CERT_ERR_DER;
    def->el[MOAT_CERT_EL_SIGNATURE] = (moat_cert_loc){(uint16_t)p, MOAT_CERT_SIG_SIZE};
    def->template_der = der;
    def->template_len = len;
    return MOAT_CERT_OK;
}

static uint8_t years_between(const moat_cert_def *def, const uint8_t *der)
{
    moat_cert_date a, b;
    const moat_cert_loc *i = &def->el[MOAT_CERT_EL_ISSUE_DATE],
                        *e = &def->el[MOAT_CERT_EL_EXPIRE_DATE];
    if (moat_cert_date_parse(def->issue_fmt, der + i->offset, i->count, &a) != MOAT_CERT_OK ||
        moat_cert_date_parse(def->expire_fmt, der + e->offset, e->count, &b) != MOAT_CERT_OK ||
        b.year < a.year || b.year - a.year > 127)
        return 0;
    return (uint8_t)(b.year - a.year);
}

moat_cert_status moat_cert_def_from_der(const uint8_t *der, size_t der_len,
                                        moat_cert_signer_id_where where, moat_cert_def *def)
{
    walk_ctx w;
    if (!def)
        return MOAT_CERT_ERR_ARG;
    TRY(walk(der, der_len, def, &w));
    def->template_id = w.is_ca ? 1 : 2;
    def->sn_source = MOAT_CERT_SNSRC_PUB_KEY_HASH;
    def->expire_years = years_between(def, der);
    bool explicit_where = where != MOAT_CERT_SIGNER_ID_AUTO;
    if (!explicit_where)
        where = w.is_ca ? MOAT_CERT_SIGNER_ID_SUBJECT : MOAT_CERT_SIGNER_ID_ISSUER;
    if (where != MOAT_CERT_SIGNER_ID_NONE) {
        const moat_cert_tlv *name = where == MOAT_CERT_SIGNER_ID_SUBJECT ? &w.subject : &w.issuer;
        /* AUTO without a hex CN simply has no signer ID; an explicit request must find one. */
        if (!find_signer_id(der, name, &def->el[MOAT_CERT_EL_SIGNER_ID]) && explicit_where)
            return MOAT_CERT_ERR_SIGNER_ID;
    }
    return moat_cert_def_check(def);
}

moat_cert_status moat_cert_der_pubkey(const uint8_t *der, size_t der_len,
                                      uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE])
{
    moat_cert_def def;
    walk_ctx w;
    if (!pubkey)
        return MOAT_CERT_ERR_ARG;
    TRY(walk(der, der_len, &def, &w));
    memcpy(pubkey, der + def.el[MOAT_CERT_EL_PUBLIC_KEY].offset, MOAT_CERT_PUBKEY_SIZE);
    return MOAT_CERT_OK;
}

/* Size of the outer SEQUENCE header of a template, 0 when it is not one. */
static size_t outer_header(const uint8_t *t, size_t len)
{
    if (len < 2 || t[0] != 0x30)
        return 0;
    if (t[1] < 0x80)
        return 2;
    size_t n = t[1] & 0x7Fu;
    return (n >= 1 && n <= 2 && len >= 2 + n) ? 2 + n : 0;
}

static bool loc_ok(const moat_cert_loc *l, size_t limit, size_t want_a, size_t want_b)
{
    if (l->count != want_a && l->count != want_b)
        return false;
    return (size_t)l->offset + l->count <= limit;
}

/* The rewritten fields may not overlap each other or the outer length (which the rebuild
 * rewrites too): each is read back from the certificate by compress. */
static bool fields_disjoint(const moat_cert_loc *el, size_t hdr)
{
    for (int a = 0; a < MOAT_CERT_EL_COUNT; a++) {
        if (a == MOAT_CERT_EL_SIGNATURE || el[a].count == 0)
            continue;
        if (el[a].offset < hdr)
            return false;
        for (int b = a + 1; b < MOAT_CERT_EL_COUNT; b++) {
            if (b == MOAT_CERT_EL_SIGNATURE || el[b].count == 0)
                continue;
            if (el[a].offset < el[b].offset + el[b].count &&
                el[b].offset < el[a].offset + el[a].count)
                return false;
        }
    }
    return true;
}

moat_cert_status moat_cert_def_check(const moat_cert_def *def)
{
    if (!def || !def->template_der)
        return MOAT_CERT_ERR_ARG;
    if (def->template_id > 15 || def->chain_id > 15 || def->sn_source > 15 ||
        moat_cert_date_size(def->issue_fmt) == 0 || moat_cert_date_size(def->expire_fmt) == 0)
        return MOAT_CERT_ERR_DEF_RANGE;
    if (def->sn_source < MOAT_CERT_SNSRC_DEVICE_SN)
        return MOAT_CERT_ERR_SN_SOURCE;
    const moat_cert_loc *el = def->el;
    size_t sig = el[MOAT_CERT_EL_SIGNATURE].offset,
           hdr = outer_header(def->template_der, def->template_len);
    if (el[MOAT_CERT_EL_SIGNATURE].count != MOAT_CERT_SIG_SIZE || sig > def->template_len ||
        hdr == 0 || sig < hdr || def->template_len > 0xFFFFu)
        return MOAT_CERT_ERR_DEF_RANGE;
    /* Every rewritten field lies before the signature: the part of the template copied. */
    size_t sn = el[MOAT_CERT_EL_SERIAL].count;
    if (!loc_ok(&el[MOAT_CERT_EL_PUBLIC_KEY], sig, 64, 64) ||
        !loc_ok(&el[MOAT_CERT_EL_ISSUE_DATE], sig, moat_cert_date_size(def->issue_fmt),
                moat_cert_date_size(def->issue_fmt)) ||
        !loc_ok(&el[MOAT_CERT_EL_EXPIRE_DATE], sig, moat_cert_date_size(def->expire_fmt),
                moat_cert_date_size(def->expire_fmt)) ||
        !loc_ok(&el[MOAT_CERT_EL_SIGNER_ID], sig, 0, 4) || sn < 1 || sn > MOAT_CERT_SERIAL_MAX ||
        !loc_ok(&el[MOAT_CERT_EL_SERIAL], sig, sn, sn) ||
        !loc_ok(&el[MOAT_CERT_EL_AKI], sig, 0, 20) || !loc_ok(&el[MOAT_CERT_EL_SKI], sig, 0, 20) ||
        (size_t)def->tbs.offset + def->tbs.count > sig)
        return MOAT_CERT_ERR_DEF_RANGE;
    return fields_disjoint(el, hdr) ? MOAT_CERT_OK : MOAT_CERT_ERR_DEF_RANGE;
}
