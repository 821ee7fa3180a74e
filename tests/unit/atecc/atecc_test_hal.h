/* atecc_test_hal.h - a fault-injecting I2C HAL for the driver tests: forwards to the
 * in-process emulator, and on request NACKs polls, corrupts response or command CRCs,
 * pretends the chip is absent or the bus broken. Delays are virtual (added up, not slept). */
#ifndef ATECC_TEST_HAL_H
#define ATECC_TEST_HAL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/atecc.h"
#include "moat/atecc_emu.h"

typedef struct {
    moat_emu *emu;
    char dir[64];
    char image[96];
    uint64_t virtual_us;
    int nack_polls;       /* NACK this many upcoming count reads (chip busy) */
    bool nack_forever;    /* NACK every count read */
    int corrupt_rsps;     /* flip a CRC bit in this many upcoming response bodies */
    int corrupt_cmds;     /* flip a CRC bit in this many upcoming command packets */
    bool absent;          /* NACK everything */
    bool broken;          /* every call fails as a bus error */
    bool expect_wake_read;
    int chip_crc_statuses; /* responses the emulator answered with status 0xFF */
    int wakes, writes, reads;
} test_hal;

static moat_atecc_hal_result th_wake(void *ctx)
{
    test_hal *t = ctx;
    if (t->broken)
        return MOAT_ATECC_HAL_ERROR;
    t->wakes++;
    t->expect_wake_read = true;
    moat_emu_wake(t->emu);
    return MOAT_ATECC_HAL_ACK;
}

static moat_atecc_hal_result th_write(void *ctx, uint8_t addr7, const uint8_t *bytes, size_t len)
{
    test_hal *t = ctx;
    if (t->broken)
        return MOAT_ATECC_HAL_ERROR;
    if (t->absent)
        return MOAT_ATECC_HAL_NACK;
    t->writes++;
    uint8_t copy[256];
    memcpy(copy, bytes, len);
    if (len > 3 && copy[0] == MOAT_ATECC_WA_COMMAND && t->corrupt_cmds > 0) {
        t->corrupt_cmds--;
        copy[len - 1] ^= 0x01;
    }
    return moat_emu_i2c_write(t->emu, addr7, copy, len) == MOAT_EMU_ACK ? MOAT_ATECC_HAL_ACK
                                                                        : MOAT_ATECC_HAL_NACK;
}

static moat_atecc_hal_result th_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    test_hal *t = ctx;
    if (t->broken)
        return MOAT_ATECC_HAL_ERROR;
    if (t->absent)
        return MOAT_ATECC_HAL_NACK;
    bool wake_read = t->expect_wake_read;
    t->expect_wake_read = false;
    if (!wake_read && len == 1 && (t->nack_forever || t->nack_polls > 0)) {
        if (t->nack_polls > 0)
            t->nack_polls--;
        return MOAT_ATECC_HAL_NACK;
    }
    t->reads++;
    if (moat_emu_i2c_read(t->emu, addr7, buf, len) != MOAT_EMU_ACK)
        return MOAT_ATECC_HAL_NACK;
    if (!wake_read && len == 3 && buf[0] == MOAT_ATECC_STATUS_CRC)
        t->chip_crc_statuses++;
    if (!wake_read && len > 1 && t->corrupt_rsps > 0) {
        t->corrupt_rsps--;
        buf[len - 1] ^= 0x01;
    }
    return MOAT_ATECC_HAL_ACK;
}

static void th_delay(void *ctx, uint32_t us)
{
    ((test_hal *)ctx)->virtual_us += us;
}

static const char *th_last_error(void *ctx)
{
    (void)ctx;
    return "test bus broken";
}

/* Opens a fresh emulator image in a new temp directory and binds `dev` to it at 0x60. */
static void th_open(test_hal *t, moat_atecc *dev)
{
    memset(t, 0, sizeof *t);
    snprintf(t->dir, sizeof t->dir, "/tmp/moat-atecc-XXXXXX");
    if (!mkdtemp(t->dir))
        abort();
    snprintf(t->image, sizeof t->image, "%s/se.img", t->dir);
    char err[256];
    t->emu = moat_emu_open(t->image, err, sizeof err);
    if (!t->emu) {
        fprintf(stderr, "moat_emu_open: %s\n", err);
        abort();
    }
    moat_atecc_hal hal = {t, th_wake, th_write, th_read, th_delay, th_last_error};
    moat_atecc_init(dev, &hal, 0x60);
}

static void th_close(test_hal *t)
{
    moat_emu_close(t->emu);
    char path[160];
    snprintf(path, sizeof path, "%s", t->image);
    unlink(path);
    rmdir(t->dir);
}

#endif
