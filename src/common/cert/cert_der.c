/* cert_der.c - the strict DER primitives of the codec: TLV headers, lengths, and the ECDSA
 * signatureValue BIT STRING (X.509 section 4.1.1.3, RFC 5480 ECDSA-Sig-Value). */
#include <string.h>

#include "common/cert/cert_internal.h"

moat_cert_status moat_cert_der_tlv(const uint8_t *der, size_t end, size_t pos, moat_cert_tlv *t)
{
    if (pos >= end || end - pos < 2)
        return MOAT_CERT_ERR_DER;
    t->pos = pos;
    t->tag = der[pos];
    if ((t->tag & 0x1Fu) == 0x1Fu) /* multi-byte tags do not occur in certificates */
        return MOAT_CERT_ERR_DER;
    uint8_t first = der[pos + 1];
    size_t len = 0, nlen = 0;
    if (first < 0x80u) {
        len = first;
    } else {
        nlen = first & 0x7Fu;
        if (nlen == 0 || nlen > 3 || end - pos < 2 + nlen)
            return MOAT_CERT_ERR_DER;
        for (size_t i = 0; i < nlen; i++)
            len = (len << 8) | der[pos + 2 + i];
        if (moat_cert_der_len_size(len) != 1 + nlen) /* DER: minimal length form */
            return MOAT_CERT_ERR_DER;
    }
    t->hdr = 2 + nlen;
    t->len = len;
    if (end - pos - t->hdr < len)
        return MOAT_CERT_ERR_DER;
    return MOAT_CERT_OK;
}

size_t moat_cert_der_len_size(size_t len)
{
    if (len < 0x80u)
        return 1;
    if (len <= 0xFFu)
        return 2;
    if (len <= 0xFFFFu)
        return 3;
    return 4;
}

size_t moat_cert_der_put_len(uint8_t *out, size_t len)
{
    size_t n = moat_cert_der_len_size(len);
    if (n == 1) {
        out[0] = (uint8_t)len;
        return 1;
    }
    out[0] = (uint8_t)(0x80u | (n - 1));
    for (size_t i = 1; i < n; i++)
        out[i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return n;
}

/* A 32-byte unsigned integer as a minimal DER INTEGER: leading zeros dropped, one 0x00 added
 * when the top bit is set (atcacert_der_enc_integer with is_unsigned). */
static size_t put_uint(const uint8_t v[32], uint8_t *out)
{
    size_t skip = 0;
    while (skip < 31 && v[skip] == 0)
        skip++;
    size_t n = 32 - skip;
    bool pad = (v[skip] & 0x80u) != 0;
    out[0] = 0x02;
    out[1] = (uint8_t)(n + (pad ? 1u : 0u));
    size_t o = 2;
    if (pad)
        out[o++] = 0x00;
    memcpy(out + o, v + skip, n);
    return o + n;
}

size_t moat_cert_sig_to_der(const uint8_t sig[MOAT_CERT_SIG_SIZE],
                            uint8_t out[MOAT_CERT_SIG_DER_MAX])
{
    uint8_t ints[70];
    size_t n = put_uint(sig, ints);
    n += put_uint(sig + 32, ints + n);
    out[0] = 0x03;
    out[1] = (uint8_t)(n + 3); /* unused-bits byte + SEQUENCE header; always < 128 */
    out[2] = 0x00;
    out[3] = 0x30;
    out[4] = (uint8_t)n;
    memcpy(out + 5, ints, n);
    return n + 5;
}

/* One INTEGER of the signature into 32 right-aligned bytes. */
static moat_cert_status get_uint(const uint8_t *der, size_t end, size_t pos, uint8_t v[32],
                                 size_t *next)
{
    moat_cert_tlv t;
    if (moat_cert_der_tlv(der, end, pos, &t) != MOAT_CERT_OK || t.tag != 0x02 || t.len == 0)
        return MOAT_CERT_ERR_DER;
    const uint8_t *p = der + pos + t.hdr;
    size_t n = t.len;
    if (p[0] & 0x80u)
        return MOAT_CERT_ERR_SIG_NOT_DER; /* negative: not an ECDSA value */
    if (n > 1 && p[0] == 0 && !(p[1] & 0x80u))
        return MOAT_CERT_ERR_SIG_NOT_DER; /* a redundant leading zero */
    if (p[0] == 0 && n > 1) {
        p++;
        n--;
    }
    if (n > 32)
        return MOAT_CERT_ERR_SIG_NOT_P256;
    memset(v, 0, 32);
    memcpy(v + 32 - n, p, n);
    *next = pos + t.hdr + t.len;
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_sig_from_der(const uint8_t *der, size_t end, size_t pos,
                                        uint8_t sig[MOAT_CERT_SIG_SIZE], size_t *used)
{
    moat_cert_tlv bs, seq;
    if (moat_cert_der_tlv(der, end, pos, &bs) != MOAT_CERT_OK || bs.tag != 0x03 || bs.len < 3)
        return MOAT_CERT_ERR_DER;
    size_t bs_end = pos + bs.hdr + bs.len;
    if (der[pos + bs.hdr] != 0x00)
        return MOAT_CERT_ERR_DER; /* unused bits must be 0 */
    if (moat_cert_der_tlv(der, bs_end, pos + bs.hdr + 1, &seq) != MOAT_CERT_OK || seq.tag != 0x30)
        return MOAT_CERT_ERR_SIG_NOT_P256;
    size_t seq_end = seq.pos + seq.hdr + seq.len;
    if (seq_end != bs_end)
        return MOAT_CERT_ERR_DER;
    size_t p = seq.pos + seq.hdr;
    moat_cert_status st = get_uint(der, seq_end, p, sig, &p);
    if (st == MOAT_CERT_OK)
        st = get_uint(der, seq_end, p, sig + 32, &p);
    if (st != MOAT_CERT_OK)
        return st == MOAT_CERT_ERR_DER ? MOAT_CERT_ERR_SIG_NOT_P256 : st;
    if (p != seq_end)
        return MOAT_CERT_ERR_SIG_NOT_P256;
    if (bs.hdr != 2)
        return MOAT_CERT_ERR_SIG_NOT_P256; /* a P-256 signature is always under 128 bytes */
    *used = bs.hdr + bs.len;
    return MOAT_CERT_OK;
}
