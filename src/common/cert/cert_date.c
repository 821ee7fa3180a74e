/* cert_date.c - dates: the text/binary forms a template carries (atcacert_date_format_t) and
 * the compressed 3-byte (+ byte 71) encoding of issue date and validity in whole years. */
#include <string.h>

#include "common/cert/cert_internal.h"

size_t moat_cert_date_size(uint8_t fmt)
{
    switch (fmt) {
    case MOAT_CERT_DATEFMT_ISO8601:
        return 20;
    case MOAT_CERT_DATEFMT_UTC:
        return 13;
    case MOAT_CERT_DATEFMT_POSIX_BE:
    case MOAT_CERT_DATEFMT_POSIX_LE:
        return 4;
    case MOAT_CERT_DATEFMT_GEN:
        return 15;
    default:
        return 0;
    }
}

void moat_cert_date_max(uint8_t fmt, moat_cert_date *out)
{
    static const moat_cert_date max_gen = {9999, 12, 31, 23, 59, 59};
    static const moat_cert_date max_utc = {2049, 12, 31, 23, 59, 59};
    static const moat_cert_date max_posix = {2106, 2, 7, 6, 28, 15};
    if (fmt == MOAT_CERT_DATEFMT_UTC)
        *out = max_utc;
    else if (fmt == MOAT_CERT_DATEFMT_POSIX_BE || fmt == MOAT_CERT_DATEFMT_POSIX_LE)
        *out = max_posix;
    else
        *out = max_gen;
}

int moat_cert_date_cmp(const moat_cert_date *a, const moat_cert_date *b)
{
    uint32_t ka = (uint32_t)a->year << 20 | (uint32_t)a->month << 16 | (uint32_t)a->day << 11 |
                  (uint32_t)a->hour << 6;
    uint32_t kb = (uint32_t)b->year << 20 | (uint32_t)b->month << 16 | (uint32_t)b->day << 11 |
                  (uint32_t)b->hour << 6;
    int32_t sa = (int32_t)(a->min * 60u + a->sec), sb = (int32_t)(b->min * 60u + b->sec);
    if (ka != kb)
        return ka < kb ? -1 : 1;
    return sa - sb;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the "days from civil" algorithm). */
static int32_t days_from_civil(int32_t y, uint32_t m, uint32_t d)
{
    y -= m <= 2 ? 1 : 0;
    int32_t era = (y >= 0 ? y : y - 399) / 400;
    uint32_t yoe = (uint32_t)(y - era * 400);
    uint32_t doy = (153u * (m > 2 ? m - 3 : m + 9) + 2u) / 5u + d - 1u;
    uint32_t doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

static void civil_from_days(int32_t z, moat_cert_date *d)
{
    z += 719468;
    int32_t era = (z >= 0 ? z : z - 146096) / 146097;
    uint32_t doe = (uint32_t)(z - era * 146097);
    uint32_t yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    int32_t y = (int32_t)yoe + era * 400;
    uint32_t doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    uint32_t mp = (5u * doy + 2u) / 153u;
    d->day = (uint8_t)(doy - (153u * mp + 2u) / 5u + 1u);
    d->month = (uint8_t)(mp < 10 ? mp + 3 : mp - 9);
    d->year = (uint16_t)(y + (d->month <= 2 ? 1 : 0));
}

static bool digits(const uint8_t *t, size_t n, uint32_t *v)
{
    uint32_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] < '0' || t[i] > '9')
            return false;
        x = x * 10u + (uint32_t)(t[i] - '0');
    }
    *v = x;
    return true;
}

static void put_digits(uint8_t *out, uint32_t v, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        out[i] = (uint8_t)('0' + v % 10u);
        v /= 10u;
    }
}

static bool fields_valid(const moat_cert_date *d)
{
    return d->month >= 1 && d->month <= 12 && d->day >= 1 && d->day <= 31 && d->hour <= 23 &&
           d->min <= 59 && d->sec <= 59;
}

/* "MMDDhhmmss" at t into d. */
static bool parse_tail(const uint8_t *t, moat_cert_date *d)
{
    uint32_t mo, dd, hh, mi, ss;
    if (!digits(t, 2, &mo) || !digits(t + 2, 2, &dd) || !digits(t + 4, 2, &hh) ||
        !digits(t + 6, 2, &mi) || !digits(t + 8, 2, &ss))
        return false;
    d->month = (uint8_t)mo;
    d->day = (uint8_t)dd;
    d->hour = (uint8_t)hh;
    d->min = (uint8_t)mi;
    d->sec = (uint8_t)ss;
    return true;
}

static moat_cert_status parse_posix(uint8_t fmt, const uint8_t *t, moat_cert_date *out)
{
    uint32_t s = fmt == MOAT_CERT_DATEFMT_POSIX_BE
                     ? (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3]
                     : (uint32_t)t[3] << 24 | (uint32_t)t[2] << 16 | (uint32_t)t[1] << 8 | t[0];
    civil_from_days((int32_t)(s / 86400u), out);
    uint32_t r = s % 86400u;
    out->hour = (uint8_t)(r / 3600u);
    out->min = (uint8_t)(r / 60u % 60u);
    out->sec = (uint8_t)(r % 60u);
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_date_parse(uint8_t fmt, const uint8_t *t, size_t len,
                                      moat_cert_date *out)
{
    size_t need = moat_cert_date_size(fmt);
    if (!t || !out || need == 0 || len != need)
        return MOAT_CERT_ERR_DATE_SYNTAX;
    memset(out, 0, sizeof *out);
    uint32_t y = 0; /* read below even when a digit check failed; the result is then discarded */
    bool ok;
    switch (fmt) {
    case MOAT_CERT_DATEFMT_UTC:
        ok = digits(t, 2, &y) && parse_tail(t + 2, out) && t[12] == 'Z';
        out->year = (uint16_t)(y < 50 ? 2000 + y : 1900 + y); /* RFC 5280 4.1.2.5.1 */
        break;
    case MOAT_CERT_DATEFMT_GEN:
        ok = digits(t, 4, &y) && parse_tail(t + 4, out) && t[14] == 'Z';
        out->year = (uint16_t)y;
        break;
    case MOAT_CERT_DATEFMT_ISO8601: {
        uint8_t tail[10];
        static const size_t at[10] = {5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
        for (size_t i = 0; i < 10; i++)
            tail[i] = t[at[i]];
        ok = digits(t, 4, &y) && t[4] == '-' && t[7] == '-' && t[10] == 'T' && t[13] == ':' &&
             t[16] == ':' && t[19] == 'Z' && parse_tail(tail, out);
        out->year = (uint16_t)y;
        break;
    }
    default:
        return parse_posix(fmt, t, out);
    }
    return ok && fields_valid(out) ? MOAT_CERT_OK : MOAT_CERT_ERR_DATE_SYNTAX;
}

static void put_tail(uint8_t *o, const moat_cert_date *d)
{
    put_digits(o, d->month, 2);
    put_digits(o + 2, d->day, 2);
    put_digits(o + 4, d->hour, 2);
    put_digits(o + 6, d->min, 2);
    put_digits(o + 8, d->sec, 2);
}

static moat_cert_status format_posix(uint8_t fmt, const moat_cert_date *d, uint8_t *out)
{
    moat_cert_date max;
    moat_cert_date_max(fmt, &max);
    if (d->year < 1970 || moat_cert_date_cmp(d, &max) > 0)
        return MOAT_CERT_ERR_DATE_UNREPRESENTABLE;
    uint32_t s = (uint32_t)days_from_civil(d->year, d->month, d->day) * 86400u + d->hour * 3600u +
                 d->min * 60u + d->sec;
    for (size_t i = 0; i < 4; i++) {
        uint8_t b = (uint8_t)(s >> (24 - 8 * i));
        out[fmt == MOAT_CERT_DATEFMT_POSIX_BE ? i : 3 - i] = b;
    }
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_date_format(uint8_t fmt, const moat_cert_date *d, uint8_t *out,
                                       size_t cap, size_t *len)
{
    size_t need = moat_cert_date_size(fmt);
    if (!d || !out || need == 0)
        return MOAT_CERT_ERR_ARG;
    if (cap < need)
        return MOAT_CERT_ERR_BUFFER;
    if (!fields_valid(d))
        return MOAT_CERT_ERR_DATE_INVALID;
    moat_cert_status st = MOAT_CERT_OK;
    switch (fmt) {
    case MOAT_CERT_DATEFMT_UTC:
        if (d->year < 1950 || d->year > 2049)
            return MOAT_CERT_ERR_DATE_UNREPRESENTABLE;
        put_digits(out, d->year % 100u, 2);
        put_tail(out + 2, d);
        out[12] = 'Z';
        break;
    case MOAT_CERT_DATEFMT_GEN:
        if (d->year > 9999)
            return MOAT_CERT_ERR_DATE_UNREPRESENTABLE;
        put_digits(out, d->year, 4);
        put_tail(out + 4, d);
        out[14] = 'Z';
        break;
    case MOAT_CERT_DATEFMT_ISO8601: {
        uint8_t tail[10];
        if (d->year > 9999)
            return MOAT_CERT_ERR_DATE_UNREPRESENTABLE;
        put_tail(tail, d);
        put_digits(out, d->year, 4);
        memcpy(out + 4, "-MM-DDThh:mm:ssZ", 16);
        static const size_t at[10] = {5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
        for (size_t i = 0; i < 10; i++)
            out[at[i]] = tail[i];
        break;
    }
    default:
        st = format_posix(fmt, d, out);
    }
    if (st == MOAT_CERT_OK && len)
        *len = need;
    return st;
}

/* ---- the compressed encoding (bytes 64-66 and 71) ---- */

uint8_t moat_cert_comp_format_for(uint16_t issue_year, uint8_t expire_years)
{
    return (issue_year <= 2031 && expire_years <= 31) ? 0 : 1;
}

/* Checks an issue date and validity against what format `fv` can hold. */
static moat_cert_status check_encodable(const moat_cert_date *d, uint8_t years, uint8_t fv)
{
    if (d->min != 0 || d->sec != 0)
        return MOAT_CERT_ERR_ISSUE_MINUTES;
    if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > 31 || d->hour > 23)
        return MOAT_CERT_ERR_DATE_INVALID;
    if (d->year < 2000 || d->year > (fv == 0 ? 2031 : 2127))
        return MOAT_CERT_ERR_ISSUE_YEAR;
    if (years > (fv == 0 ? 31 : 127))
        return MOAT_CERT_ERR_EXPIRE_YEARS;
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_comp_encode(const moat_cert_comp *c, uint8_t out[MOAT_CERT_COMP_SIZE])
{
    if (!c || !out)
        return MOAT_CERT_ERR_ARG;
    if (c->format_version > 2)
        return MOAT_CERT_ERR_FORMAT_VERSION;
    if (c->template_id > 15 || c->chain_id > 15 || c->sn_source > 15 || c->reserved > 15)
        return MOAT_CERT_ERR_ARG;
    moat_cert_status st = check_encodable(&c->issue, c->expire_years, c->format_version);
    if (st != MOAT_CERT_OK)
        return st;
    const moat_cert_date *d = &c->issue;
    uint32_t y = (uint32_t)(d->year - 2000u), e = c->expire_years;
    memcpy(out, c->signature, MOAT_CERT_SIG_SIZE);
    out[64] = (uint8_t)((y & 0x1Fu) << 3 | (d->month >> 1 & 0x7u));
    out[65] = (uint8_t)((d->month & 1u) << 7 | (d->day & 0x1Fu) << 2 | (d->hour >> 3 & 0x3u));
    out[66] = (uint8_t)((d->hour & 0x7u) << 5 | (e & 0x1Fu));
    out[67] = (uint8_t)(c->signer_id >> 8);
    out[68] = (uint8_t)c->signer_id;
    out[69] = (uint8_t)(c->template_id << 4 | c->chain_id);
    out[70] = (uint8_t)(c->sn_source << 4 | c->format_version);
    out[71] = c->reserved;
    if (c->format_version >= 1) /* extended years: the two high bits of each */
        out[71] = (uint8_t)((y & 0x60u) << 1 | (e & 0x60u) >> 1 | c->reserved);
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_comp_decode(const uint8_t in[MOAT_CERT_COMP_SIZE], moat_cert_comp *c)
{
    if (!in || !c)
        return MOAT_CERT_ERR_ARG;
    memset(c, 0, sizeof *c);
    c->format_version = in[70] & 0x0Fu;
    if (c->format_version > 2)
        return MOAT_CERT_ERR_FORMAT_VERSION;
    memcpy(c->signature, in, MOAT_CERT_SIG_SIZE);
    uint32_t y = in[64] >> 3, e = in[66] & 0x1Fu;
    if (c->format_version >= 1) {
        y |= (in[71] & 0xC0u) >> 1;
        e |= (in[71] & 0x30u) << 1;
    }
    c->issue.year = (uint16_t)(2000u + y);
    c->issue.month = (uint8_t)((in[64] & 0x7u) << 1 | in[65] >> 7);
    c->issue.day = (uint8_t)((in[65] & 0x7Cu) >> 2);
    c->issue.hour = (uint8_t)((in[65] & 0x3u) << 3 | in[66] >> 5);
    c->expire_years = (uint8_t)e;
    c->signer_id = (uint16_t)(in[67] << 8 | in[68]);
    c->template_id = in[69] >> 4;
    c->chain_id = in[69] & 0x0Fu;
    c->sn_source = in[70] >> 4;
    c->reserved = in[71] & 0x0Fu;
    const moat_cert_date *d = &c->issue;
    if (d->month < 1 || d->month > 12 || d->day < 1 || d->hour > 23)
        return MOAT_CERT_ERR_DATE_INVALID;
    return MOAT_CERT_OK;
}

moat_cert_status moat_cert_comp_expire(const moat_cert_comp *c, uint8_t expire_fmt,
                                       moat_cert_date *out)
{
    if (!c || !out)
        return MOAT_CERT_ERR_ARG;
    if (c->expire_years == 0) {
        moat_cert_date_max(expire_fmt, out);
        return MOAT_CERT_OK;
    }
    *out = c->issue;
    out->year = (uint16_t)(out->year + c->expire_years);
    out->min = 0;
    out->sec = 0;
    return MOAT_CERT_OK;
}
