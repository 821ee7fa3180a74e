/* atecc_locator.c - turns "emu:IMAGE", "emu+unix:SOCKET" or "i2c:/dev/i2c-N[@ADDR]" into a
 * ready moat_atecc over the matching HAL; pkcs11:/file: are reported as not ATECC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/atecc_locator.h"

/* The ATECC608 schemes and the HAL that opens and closes each one. */
typedef struct {
    const char *scheme;
    int (*open)(const char *target, moat_atecc_hal *hal, char *err, size_t cap);
    void (*close)(moat_atecc_hal *hal);
} backend;

static const backend backends[] = {
    {"emu+unix:", moat_atecc_hal_unix_open, moat_atecc_hal_unix_close},
    {"emu:", moat_atecc_hal_emu_open, moat_atecc_hal_emu_close},
    {"i2c:", moat_atecc_hal_i2cdev_open, moat_atecc_hal_i2cdev_close},
};

/* The device comes first so a moat_atecc * can be turned back into its holder. */
typedef struct {
    moat_atecc dev;
    const backend *kind;
} holder;

const char *moat_atecc_locator_forms(void)
{
    return "  emu:IMAGE              in-process ATECC608 emulator over an EEPROM image file\n"
           "                         (created with factory defaults on first use)\n"
           "  emu+unix:SOCKET        a running `moat-se --socket SOCKET --image IMAGE`\n"
           "  i2c:/dev/i2c-N[@ADDR]  a real ATECC608 on Linux i2c-dev; ADDR is the 7-bit\n"
           "                         address: 0x60 (default), 0x35 Trust&GO, 0x36 TrustFLEX\n";
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "0x35", "53": a 7-bit address outside the reserved ranges (0x08..0x77). */
static int parse_addr(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 0);
    if (errno || end == s || *end || v < 0x08 || v > 0x77)
        return -1;
    return (int)v;
}

static moat_atecc_loc_status bad(char *err, size_t cap, const char *locator, const char *why)
{
    snprintf(err, cap, "bad secure element locator '%s': %s. Accepted forms:\n%s", locator, why,
             moat_atecc_locator_forms());
    return MOAT_ATECC_LOC_BAD_SYNTAX;
}

/* Splits "TARGET[@ADDR]" (after the scheme) into target and 7-bit address. The suffix is
 * taken as an address only when it looks like a number, so paths may contain '@'. */
static moat_atecc_loc_status split_addr(const char *locator, const char *rest, char *target,
                                        size_t target_cap, uint8_t *addr, char *err, size_t cap)
{
    const char *at = strrchr(rest, '@');
    if (at && !(at[1] >= '0' && at[1] <= '9'))
        at = NULL;
    size_t n = at ? (size_t)(at - rest) : strlen(rest);
    if (n == 0)
        return bad(err, cap, locator, "nothing after the scheme (e.g. i2c:/dev/i2c-1)");
    if (n >= target_cap)
        return bad(err, cap, locator, "the path is too long");
    memcpy(target, rest, n);
    target[n] = '\0';
    *addr = 0x60;
    if (at) {
        int a = parse_addr(at + 1);
        if (a < 0)
            return bad(err, cap, locator,
                       "the address after '@' must be a 7-bit I2C address 0x08-0x77, e.g. "
                       "@0x35 (Trust&GO) or @0x36 (TrustFLEX); not the 8-bit form (0xC0 = 0x60)");
        *addr = (uint8_t)a;
    }
    return MOAT_ATECC_LOC_OK;
}

static const backend *backend_of(const char *locator)
{
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        if (starts(locator, backends[i].scheme))
            return &backends[i];
    return NULL;
}

static moat_atecc_loc_status open_hal(const char *locator, const backend *kind, moat_atecc_hal *hal,
                                      uint8_t *addr, char *err, size_t cap)
{
    char target[4096];
    moat_atecc_loc_status st =
        split_addr(locator, locator + strlen(kind->scheme), target, sizeof target, addr, err, cap);
    if (st != MOAT_ATECC_LOC_OK)
        return st;
    return kind->open(target, hal, err, cap) == 0 ? MOAT_ATECC_LOC_OK : MOAT_ATECC_LOC_OPEN_FAILED;
}

moat_atecc_loc_status moat_atecc_open_locator(const char *locator, moat_atecc **dev, char *err,
                                              size_t err_cap)
{
    *dev = NULL;
    if (err_cap)
        err[0] = '\0';
    if (!locator || !*locator)
        return bad(err, err_cap, "", "empty (give --se LOCATOR or set MOAT_SE)");
    if (starts(locator, "pkcs11:") || starts(locator, "file:")) {
        snprintf(err, err_cap,
                 "'%s' names a key outside an ATECC608 (PKCS#11 token or PEM "
                 "file); ATECC commands need an emu:, emu+unix: or i2c: locator",
                 locator);
        return MOAT_ATECC_LOC_NOT_ATECC;
    }
    const backend *kind = backend_of(locator);
    if (!kind)
        return bad(err, err_cap, locator, "unknown scheme");

    moat_atecc_hal hal;
    uint8_t addr;
    moat_atecc_loc_status st = open_hal(locator, kind, &hal, &addr, err, err_cap);
    if (st != MOAT_ATECC_LOC_OK)
        return st;
    holder *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, err_cap, "out of memory");
        kind->close(&hal);
        return MOAT_ATECC_LOC_OPEN_FAILED;
    }
    moat_atecc_init(&h->dev, &hal, addr);
    h->kind = kind;
    *dev = &h->dev;
    return MOAT_ATECC_LOC_OK;
}

void moat_atecc_close_locator(moat_atecc *dev)
{
    if (!dev)
        return;
    holder *h = (holder *)dev;
    /* Leave the chip asleep (lowest power, watchdog stopped). A bus already gone is fine. */
    (void)moat_atecc_sleep(dev);
    h->kind->close(&dev->hal);
    free(h);
}
