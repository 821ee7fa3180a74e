/* cert_defio.c - the definition file format ("MCZD", docs/certificates-compressed.md) and
 * the LZ-packed pair of definitions kept in the chip's slot 8 ("MCZP"). */
#include <string.h>

#include "common/cert/cert_internal.h"

static const uint8_t def_magic[4] = {'M', 'C', 'Z', 'D'};
static const uint8_t pack_magic[4] = {'M', 'C', 'Z', 'P'};
#define DEF_VERSION 1u
#define PACK_HEADER 6u
#define LZ_MIN_NEAR 3u /* a 2-byte match token must replace at least 3 literals */
#define LZ_MIN_FAR 4u  /* a 3-byte one at least 4 */
#define LZ_MAX 66u     /* 0x3F + 3 */

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t stored_template(const moat_cert_def *def)
{
    return def->el[MOAT_CERT_EL_SIGNATURE].offset; /* the signature is always rebuilt */
}

size_t moat_cert_def_serialized_size(const moat_cert_def *def)
{
    return def ? MOAT_CERT_DEF_HEADER_SIZE + stored_template(def) : 0;
}

moat_cert_status moat_cert_def_serialize(const moat_cert_def *def, uint8_t *out, size_t cap,
                                         size_t *out_len)
{
    moat_cert_status st = moat_cert_def_check(def);
    if (st != MOAT_CERT_OK)
        return st;
    if (!out || !out_len)
        return MOAT_CERT_ERR_ARG;
    size_t n = moat_cert_def_serialized_size(def);
    if (cap < n)
        return MOAT_CERT_ERR_BUFFER;
    memcpy(out, def_magic, 4);
    out[4] = DEF_VERSION;
    out[5] = (uint8_t)(def->template_id << 4 | def->chain_id);
    out[6] = def->sn_source;
    out[7] = (uint8_t)(def->issue_fmt << 4 | def->expire_fmt);
    out[8] = def->expire_years;
    out[9] = 0;
    put16(out + 10, stored_template(def));
    put16(out + 12, def->tbs.offset);
    put16(out + 14, def->tbs.count);
    for (size_t i = 0; i < MOAT_CERT_EL_COUNT; i++) {
        put16(out + 16 + 4 * i, def->el[i].offset);
        put16(out + 18 + 4 * i, def->el[i].count);
    }
    memcpy(out + MOAT_CERT_DEF_HEADER_SIZE, def->template_der, stored_template(def));
    *out_len = n;
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_def_parse(const uint8_t *in, size_t len, moat_cert_def *def)
{
    if (!in || !def)
        return MOAT_CERT_ERR_ARG;
    memset(def, 0, sizeof *def);
    if (len < MOAT_CERT_DEF_HEADER_SIZE || memcmp(in, def_magic, 4) != 0 || in[4] != DEF_VERSION ||
        in[9] != 0 || get16(in + 10) != len - MOAT_CERT_DEF_HEADER_SIZE)
        return MOAT_CERT_ERR_DEF_PARSE;
    def->template_id = in[5] >> 4;
    def->chain_id = in[5] & 0x0Fu;
    def->sn_source = in[6];
    def->issue_fmt = in[7] >> 4;
    def->expire_fmt = in[7] & 0x0Fu;
    def->expire_years = in[8];
    def->tbs.offset = get16(in + 12);
    def->tbs.count = get16(in + 14);
    for (size_t i = 0; i < MOAT_CERT_EL_COUNT; i++) {
        def->el[i].offset = get16(in + 16 + 4 * i);
        def->el[i].count = get16(in + 18 + 4 * i);
    }
    def->template_der = in + MOAT_CERT_DEF_HEADER_SIZE;
    def->template_len = len - MOAT_CERT_DEF_HEADER_SIZE;
    moat_cert_status st = moat_cert_def_check(def);
    /* The signature must start right where the stored template ends. */
    if (st == MOAT_CERT_OK && def->el[MOAT_CERT_EL_SIGNATURE].offset != def->template_len)
        st = MOAT_CERT_ERR_DEF_RANGE;
    return st;
}

moat_cert_status moat_cert_def_blank_dynamic(const moat_cert_def *def, uint8_t *tmpl, size_t len,
                                             bool blank_aki)
{
    static const moat_cert_element dyn[] = {MOAT_CERT_EL_PUBLIC_KEY,  MOAT_CERT_EL_ISSUE_DATE,
                                            MOAT_CERT_EL_EXPIRE_DATE, MOAT_CERT_EL_SIGNER_ID,
                                            MOAT_CERT_EL_SERIAL,      MOAT_CERT_EL_SKI};
    moat_cert_status st = moat_cert_def_check(def);
    if (st != MOAT_CERT_OK)
        return st;
    if (!tmpl || len < stored_template(def))
        return MOAT_CERT_ERR_ARG;
    for (size_t i = 0; i < sizeof dyn / sizeof dyn[0]; i++)
        memset(tmpl + def->el[dyn[i]].offset, 0, def->el[dyn[i]].count);
    if (blank_aki)
        memset(tmpl + def->el[MOAT_CERT_EL_AKI].offset, 0, def->el[MOAT_CERT_EL_AKI].count);
    return MOAT_CERT_OK;
}

/* ---- LZ packing. Tokens: c < 0x80: a literal run of c+1 bytes follows; 0x80-0xBF: a match
 * of (c & 0x3F) + 3 bytes, 1-byte distance - 1 follows; 0xC0-0xFF: the same with a 16-bit
 * big-endian distance. A match may overlap the bytes it produces (runs of zeros). ---- */

static size_t longest_match(const uint8_t *raw, size_t pos, size_t n, size_t *dist)
{
    size_t best = 0;
    for (size_t start = pos; start-- > 0;) { /* nearest first: prefer the short distance */
        size_t l = 0;
        while (pos + l < n && l < LZ_MAX && raw[start + l] == raw[pos + l])
            l++;
        if (l > best) {
            best = l;
            *dist = pos - start;
        }
    }
    return best;
}

static moat_cert_status lz_flush(const uint8_t *lit, size_t n, uint8_t *out, size_t cap, size_t *o)
{
    while (n > 0) {
        size_t run = n > 128 ? 128 : n;
        if (cap - *o < run + 1)
            return MOAT_CERT_ERR_BUFFER;
        out[(*o)++] = (uint8_t)(run - 1);
        memcpy(out + *o, lit, run);
        *o += run;
        lit += run;
        n -= run;
    }
    return MOAT_CERT_OK;
}

static moat_cert_status lz_match(size_t len, size_t dist, uint8_t *out, size_t cap, size_t *o)
{
    bool near = dist <= 256;
    if (cap - *o < (near ? 2u : 3u))
        return MOAT_CERT_ERR_BUFFER;
    out[(*o)++] = (uint8_t)((near ? 0x80u : 0xC0u) | (len - 3));
    if (near) {
        out[(*o)++] = (uint8_t)(dist - 1);
    } else {
        put16(out + *o, dist);
        *o += 2;
    }
    return MOAT_CERT_OK;
}

static moat_cert_status lz_encode(const uint8_t *raw, size_t n, uint8_t *out, size_t cap, size_t *o)
{
    size_t lit = 0, pos = 0, dist = 0;
    while (pos < n) {
        size_t l = longest_match(raw, pos, n, &dist);
        if (l < (dist <= 256 ? LZ_MIN_NEAR : LZ_MIN_FAR)) {
            pos++;
            lit++;
            continue;
        }
        moat_cert_status st = lz_flush(raw + pos - lit, lit, out, cap, o);
        if (st == MOAT_CERT_OK)
            st = lz_match(l, dist, out, cap, o);
        if (st != MOAT_CERT_OK)
            return st;
        lit = 0;
        pos += l;
    }
    return lz_flush(raw + pos - lit, lit, out, cap, o);
}

static moat_cert_status lz_decode(const uint8_t *in, size_t len, uint8_t *raw, size_t n)
{
    size_t i = 0, o = 0;
    while (i < len && o < n) { /* bytes after the stream (rest of the slot) are ignored */
        uint8_t c = in[i++];
        if (c < 0x80u) {
            size_t run = (size_t)c + 1;
            if (len - i < run || n - o < run)
                return MOAT_CERT_ERR_PACK;
            memcpy(raw + o, in + i, run);
            i += run;
            o += run;
            continue;
        }
        size_t l = (size_t)(c & 0x3Fu) + 3, dist;
        if (c < 0xC0u) {
            if (len - i < 1)
                return MOAT_CERT_ERR_PACK;
            dist = (size_t)in[i++] + 1;
        } else {
            if (len - i < 2)
                return MOAT_CERT_ERR_PACK;
            dist = get16(in + i);
            i += 2;
        }
        if (dist == 0 || dist > o || n - o < l)
            return MOAT_CERT_ERR_PACK;
        for (size_t k = 0; k < l; k++, o++) /* byte by byte: a match may overlap itself */
            raw[o] = raw[o - dist];
    }
    return o == n ? MOAT_CERT_OK : MOAT_CERT_ERR_PACK;
}

moat_cert_status moat_cert_pack(const uint8_t *a, size_t a_len, const uint8_t *b, size_t b_len,
                                uint8_t *out, size_t cap, size_t *out_len)
{
    uint8_t raw[2 * (MOAT_CERT_DEF_HEADER_SIZE + 1024) + 4];
    size_t n = 4 + a_len + b_len;
    if (!a || !b || !out || !out_len)
        return MOAT_CERT_ERR_ARG;
    if (n > sizeof raw)
        return MOAT_CERT_ERR_BUFFER; /* far beyond what slot 8 could hold anyway */
    if (cap < PACK_HEADER)
        return MOAT_CERT_ERR_BUFFER;
    put16(raw, a_len);
    memcpy(raw + 2, a, a_len);
    put16(raw + 2 + a_len, b_len);
    memcpy(raw + 4 + a_len, b, b_len);
    memcpy(out, pack_magic, 4);
    put16(out + 4, n);
    size_t o = PACK_HEADER;
    moat_cert_status st = lz_encode(raw, n, out, cap, &o);
    if (st == MOAT_CERT_OK)
        *out_len = o;
    return st;
}

moat_cert_status moat_cert_unpack(const uint8_t *in, size_t len, uint8_t *work, size_t cap,
                                  const uint8_t **a, size_t *a_len, const uint8_t **b,
                                  size_t *b_len)
{
    if (!in || !work || !a || !a_len || !b || !b_len)
        return MOAT_CERT_ERR_ARG;
    if (len < PACK_HEADER || memcmp(in, pack_magic, 4) != 0)
        return MOAT_CERT_ERR_PACK;
    size_t n = get16(in + 4);
    if (n < 4)
        return MOAT_CERT_ERR_PACK;
    if (cap < n)
        return MOAT_CERT_ERR_BUFFER;
    moat_cert_status st = lz_decode(in + PACK_HEADER, len - PACK_HEADER, work, n);
    if (st != MOAT_CERT_OK)
        return st;
    size_t la = get16(work);
    if (la > n - 4 || get16(work + 2 + la) != n - 4 - la)
        return MOAT_CERT_ERR_PACK;
    *a = work + 2;
    *a_len = la;
    *b = work + 4 + la;
    *b_len = n - 4 - la;
    return MOAT_CERT_OK;
}
