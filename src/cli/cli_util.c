/* cli_util.c - the helpers of cli/cli_util.h: file I/O, hex, numbers and locator keys shared
 * by the `moat` commands, so each command file holds only its own logic. */
#include "cli/cli_util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/atecc.h"
#include "moat/se.h"
#include "moat/se_atecc.h"

int cli_read_file(const char *prog, const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
        return 1;
    }
    *len = fread(buf, 1, cap, f);
    bool more = fgetc(f) != EOF, err = ferror(f) != 0;
    fclose(f);
    if (err)
        fprintf(stderr, "%s: cannot read %s\n", prog, path);
    else if (more)
        fprintf(stderr, "%s: %s is larger than %zu bytes\n", prog, path, cap);
    return err || more ? 1 : 0;
}

int cli_write_file(const char *prog, const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
        return 1;
    }
    bool ok = fwrite(buf, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok)
        fprintf(stderr, "%s: cannot write %s: %s\n", prog, path, strerror(errno));
    return ok ? 0 : 1;
}

void cli_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
}

int cli_parse_hex(const char *s, uint8_t *out, size_t n)
{
    size_t digits = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ':' || *p == ' ')
            continue;
        if (!isxdigit((unsigned char)*p) || digits >= 2 * n)
            return -1;
        unsigned v = (unsigned)(isdigit((unsigned char)*p) ? *p - '0'
                                                           : tolower((unsigned char)*p) - 'a' + 10);
        out[digits / 2] = (uint8_t)(digits % 2 ? (out[digits / 2] | v) : (v << 4));
        digits++;
    }
    return digits == 2 * n ? 0 : -1;
}

bool cli_parse_uint(const char *prog, const char *opt, const char *val, unsigned long max,
                    unsigned long *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(val, &end, 10);
    if (!*val || *end || errno || v > max || val[0] == '-') {
        fprintf(stderr, "%s: %s needs a number from 0 to %lu, not '%s'\n", prog, opt, max, val);
        return false;
    }
    *out = v;
    return true;
}

int cli_parse_utc(const char *s, struct tm *tm, time_t *out)
{
    int y, mo, d, h = 0, mi = 0, sec = 0;
    char sep = ' ';
    int n = sscanf(s, "%d-%d-%d%c%d:%d:%d", &y, &mo, &d, &sep, &h, &mi, &sec);
    if (n < 3 || n == 4 || (sep != ' ' && sep != 'T'))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        sec < 0 || sec > 59)
        return -1;
    memset(tm, 0, sizeof *tm);
    tm->tm_year = y - 1900;
    tm->tm_mon = mo - 1;
    tm->tm_mday = d;
    tm->tm_hour = h;
    tm->tm_min = mi;
    tm->tm_sec = sec;
    struct tm copy = *tm; /* timegm normalises its argument */
    *out = timegm(&copy);
    return 0;
}

int cli_locator_pubkey(const char *prog, const char *locator, unsigned slot, uint8_t xy[64],
                       uint8_t serial[9], bool *have_serial)
{
    char err[256] = "";
    moat_se *se = NULL;
    moat_se_status st = moat_se_open(locator, slot, &se, err, sizeof err);
    if (st == MOAT_SE_OK)
        st = moat_se_public_key(se, xy);
    moat_atecc *dev = se ? moat_se_atecc_device(se) : NULL;
    if (st != MOAT_SE_OK) {
        /* the chip's own status text is complete; moat_se.detail is a shortened copy */
        const char *why = err;
        if (!why[0] && dev && dev->last_error != MOAT_ATECC_OK)
            why = moat_atecc_strerror(dev->last_error);
        else if (!why[0])
            why = se && se->detail[0] ? se->detail : moat_se_strerror(st);
        fprintf(stderr, "%s: %s slot %u: %s\n", prog, locator, slot, why);
        if (dev)
            fprintf(stderr,
                    "  (the slot needs a private key: provision the chip first, e.g. "
                    "moat se --se %s provision)\n",
                    locator);
        moat_se_close(se);
        return -1;
    }
    if (serial && dev) {
        moat_atecc_status ast = moat_atecc_read_serial(dev, serial);
        if (ast != MOAT_ATECC_OK) {
            fprintf(stderr, "%s: %s: reading the chip serial: %s\n", prog, locator,
                    moat_atecc_strerror(ast));
            moat_se_close(se);
            return -1;
        }
        *have_serial = true;
    }
    moat_se_close(se);
    return 0;
}
