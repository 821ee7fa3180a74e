/* cert_build.c - compression of a certificate into the 72 bytes, and the exact DER rebuild
 * from a definition (atcacert_get_comp_cert and atcacert_read_cert's build steps). */
#include <string.h>

#include "common/cert/cert_internal.h"

static const moat_cert_loc *loc(const moat_cert_def *def, moat_cert_element e)
{
    return &def->el[e];
}

/* The validity in whole years, 0 for the format's max date ("no expiry"). */
static moat_cert_status validity_years(const moat_cert_date *issue, const moat_cert_date *exp,
                                       uint8_t expire_fmt, uint8_t *years)
{
    moat_cert_date max;
    moat_cert_date_max(expire_fmt, &max);
    if (moat_cert_date_cmp(exp, &max) == 0) {
        *years = 0;
        return MOAT_CERT_OK;
    }
    if (exp->min != 0 || exp->sec != 0)
        return MOAT_CERT_ERR_EXPIRE_MINUTES;
    if (exp->month != issue->month || exp->day != issue->day || exp->hour != issue->hour ||
        exp->year <= issue->year)
        return MOAT_CERT_ERR_EXPIRE_NOT_WHOLE_YEARS;
    if (exp->year - issue->year > 127)
        return MOAT_CERT_ERR_EXPIRE_YEARS;
    *years = (uint8_t)(exp->year - issue->year);
    return MOAT_CERT_OK;
}

static moat_cert_status read_dates(const moat_cert_def *def, const uint8_t *der, moat_cert_comp *c)
{
    moat_cert_date exp;
    const moat_cert_loc *i = loc(def, MOAT_CERT_EL_ISSUE_DATE),
                        *e = loc(def, MOAT_CERT_EL_EXPIRE_DATE);
    TRY(moat_cert_date_parse(def->issue_fmt, der + i->offset, i->count, &c->issue));
    TRY(moat_cert_date_parse(def->expire_fmt, der + e->offset, e->count, &exp));
    if (c->issue.min != 0 || c->issue.sec != 0)
        return MOAT_CERT_ERR_ISSUE_MINUTES;
    if (c->issue.year < 2000 || c->issue.year > 2127)
        return MOAT_CERT_ERR_ISSUE_YEAR;
    TRY(validity_years(&c->issue, &exp, def->expire_fmt, &c->expire_years));
    c->format_version = moat_cert_comp_format_for(c->issue.year, c->expire_years);
    return MOAT_CERT_OK;
}

static moat_cert_status read_signer_id(const moat_cert_def *def, const uint8_t *der, uint16_t *id)
{
    const moat_cert_loc *l = loc(def, MOAT_CERT_EL_SIGNER_ID);
    *id = 0; /* atcacert: no signer ID element -> 00 00 */
    for (size_t i = 0; i < l->count; i++) {
        int v = moat_cert_upper_hex(der[l->offset + i]);
        if (v < 0)
            return MOAT_CERT_ERR_SIGNER_ID;
        *id = (uint16_t)(*id << 4 | (uint16_t)v);
    }
    return MOAT_CERT_OK;
}

/* What a rebuild could not reproduce: serial, SKI, AKI. */
static moat_cert_status check_derived(const moat_cert_def *def, const uint8_t *der,
                                      const moat_cert_extra *extra, const uint8_t comp[72])
{
    const uint8_t *pub = der + loc(def, MOAT_CERT_EL_PUBLIC_KEY)->offset;
    const moat_cert_loc *sn = loc(def, MOAT_CERT_EL_SERIAL);
    uint8_t want[MOAT_CERT_SERIAL_MAX], id[MOAT_CERT_KEY_ID_SIZE];
    TRY(moat_cert_serial_derive(def->sn_source, comp, pub, extra ? extra->device_sn : NULL, want,
                                sn->count));
    if (memcmp(want, der + sn->offset, sn->count) != 0)
        return MOAT_CERT_ERR_SERIAL_NOT_DERIVED;
    if (loc(def, MOAT_CERT_EL_SKI)->count) {
        moat_cert_key_id(pub, id);
        if (memcmp(id, der + loc(def, MOAT_CERT_EL_SKI)->offset, sizeof id) != 0)
            return MOAT_CERT_ERR_SKI_NOT_SHA1;
    }
    if (loc(def, MOAT_CERT_EL_AKI)->count && extra && extra->signer_pubkey) {
        moat_cert_key_id(extra->signer_pubkey, id);
        if (memcmp(id, der + loc(def, MOAT_CERT_EL_AKI)->offset, sizeof id) != 0)
            return MOAT_CERT_ERR_AKI_NOT_SHA1;
    }
    return MOAT_CERT_OK;
}

/* Every byte before the signature that a rebuild copies from the template must already be
 * the template's: the outer length (it follows the signature size) and the rewritten fields
 * are skipped; the AKI too when the signer key will rewrite it. */
static moat_cert_status check_template(const moat_cert_def *def, const uint8_t *der,
                                       bool aki_rewritten)
{
    size_t sig = loc(def, MOAT_CERT_EL_SIGNATURE)->offset;
    size_t hdr = der[1] < 0x80 ? 2 : 2 + (der[1] & 0x7Fu);
    for (size_t i = 0; i < sig; i++) {
        bool dynamic = i > 0 && i < hdr;
        for (int e = 0; e < MOAT_CERT_EL_COUNT && !dynamic; e++) {
            const moat_cert_loc *l = loc(def, (moat_cert_element)e);
            if (e == MOAT_CERT_EL_SIGNATURE || (e == MOAT_CERT_EL_AKI && !aki_rewritten))
                continue;
            dynamic = i >= l->offset && i < (size_t)l->offset + l->count;
        }
        if (!dynamic && der[i] != def->template_der[i])
            return MOAT_CERT_ERR_TEMPLATE_MISMATCH;
    }
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_compress(const moat_cert_def *def, const uint8_t *der, size_t der_len,
                                    const moat_cert_extra *extra, uint8_t comp[MOAT_CERT_COMP_SIZE])
{
    moat_cert_comp c;
    size_t used;
    if (!der || !comp)
        return MOAT_CERT_ERR_ARG;
    TRY(moat_cert_def_check(def));
    size_t sig = loc(def, MOAT_CERT_EL_SIGNATURE)->offset;
    if (der_len <= sig)
        return MOAT_CERT_ERR_DER;
    memset(&c, 0, sizeof c);
    TRY(moat_cert_sig_from_der(der, der_len, sig, c.signature, &used));
    if (sig + used != der_len)
        return MOAT_CERT_ERR_DER;
    TRY(check_template(def, der, extra && extra->signer_pubkey));
    TRY(read_dates(def, der, &c));
    TRY(read_signer_id(def, der, &c.signer_id));
    c.template_id = def->template_id;
    c.chain_id = def->chain_id;
    c.sn_source = def->sn_source;
    TRY(moat_cert_comp_encode(&c, comp));
    moat_cert_status st = check_derived(def, der, extra, comp);
    if (st == MOAT_CERT_ERR_SERIAL_NOT_DERIVED && c.format_version == 0) {
        /* A hash serial made with format 1 (which hashes a 4th date byte) although format 0
         * would hold the dates: that issuer chose format 1, and so must the 72 bytes. */
        uint8_t alt[MOAT_CERT_COMP_SIZE];
        c.format_version = 1;
        TRY(moat_cert_comp_encode(&c, alt));
        if (check_derived(def, der, extra, alt) == MOAT_CERT_OK) {
            memcpy(comp, alt, sizeof alt);
            return MOAT_CERT_OK;
        }
    }
    return st;
}

size_t moat_cert_rebuild_max(const moat_cert_def *def)
{
    return def ? (size_t)def->el[MOAT_CERT_EL_SIGNATURE].offset + MOAT_CERT_SIG_DER_MAX : 0;
}

static moat_cert_status put_date(uint8_t fmt, const moat_cert_date *d, uint8_t *out,
                                 const moat_cert_loc *l)
{
    size_t n;
    return moat_cert_date_format(fmt, d, out + l->offset, l->count, &n);
}

static void put_signer_id(uint16_t id, uint8_t *out, const moat_cert_loc *l)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < l->count; i++)
        out[l->offset + i] = (uint8_t)hex[(id >> (12 - 4 * i)) & 0xFu];
}

/* The outer Certificate length after the signature changed size: same number of length
 * bytes or refused (atcacert_der_adjust_length does the same). */
static moat_cert_status fix_outer_length(uint8_t *out, size_t total)
{
    size_t hdr = out[1] < 0x80 ? 2 : 2 + (out[1] & 0x7Fu);
    if (moat_cert_der_len_size(total - hdr) != hdr - 1)
        return MOAT_CERT_ERR_LENGTH_FIXUP;
    moat_cert_der_put_len(out + 1, total - hdr);
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_rebuild(const moat_cert_def *def,
                                   const uint8_t comp[MOAT_CERT_COMP_SIZE],
                                   const uint8_t pubkey[MOAT_CERT_PUBKEY_SIZE],
                                   const moat_cert_extra *extra, uint8_t *out, size_t cap,
                                   size_t *out_len)
{
    moat_cert_comp c;
    moat_cert_date exp;
    uint8_t sig_der[MOAT_CERT_SIG_DER_MAX];
    if (!comp || !pubkey || !out || !out_len)
        return MOAT_CERT_ERR_ARG;
    TRY(moat_cert_def_check(def));
    TRY(moat_cert_comp_decode(comp, &c));
    if (c.template_id != def->template_id || c.chain_id != def->chain_id ||
        c.sn_source != def->sn_source)
        return MOAT_CERT_ERR_WRONG_DEF;
    size_t sig = loc(def, MOAT_CERT_EL_SIGNATURE)->offset;
    size_t sig_len = moat_cert_sig_to_der(c.signature, sig_der);
    if (cap < sig + sig_len)
        return MOAT_CERT_ERR_BUFFER;
    memcpy(out, def->template_der, sig);
    memcpy(out + loc(def, MOAT_CERT_EL_PUBLIC_KEY)->offset, pubkey, MOAT_CERT_PUBKEY_SIZE);
    if (loc(def, MOAT_CERT_EL_SKI)->count)
        moat_cert_key_id(pubkey, out + loc(def, MOAT_CERT_EL_SKI)->offset);
    if (loc(def, MOAT_CERT_EL_AKI)->count && extra && extra->signer_pubkey)
        moat_cert_key_id(extra->signer_pubkey, out + loc(def, MOAT_CERT_EL_AKI)->offset);
    TRY(put_date(def->issue_fmt, &c.issue, out, loc(def, MOAT_CERT_EL_ISSUE_DATE)));
    TRY(moat_cert_comp_expire(&c, def->expire_fmt, &exp));
    TRY(put_date(def->expire_fmt, &exp, out, loc(def, MOAT_CERT_EL_EXPIRE_DATE)));
    put_signer_id(c.signer_id, out, loc(def, MOAT_CERT_EL_SIGNER_ID));
    const moat_cert_loc *sn = loc(def, MOAT_CERT_EL_SERIAL);
    TRY(moat_cert_serial_derive(def->sn_source, comp, pubkey, extra ? extra->device_sn : NULL,
                                out + sn->offset, sn->count));
    memcpy(out + sig, sig_der, sig_len);
    TRY(fix_outer_length(out, sig + sig_len));
    *out_len = sig + sig_len;
    return MOAT_CERT_OK;
}
