/* atecc_test_hal.h - a fault-injecting I2C HAL for the driver tests. It forwards to an inner
 * HAL - the in-process emulator, or the socket of a `moat-se` started for the test - and on
 * request NACKs polls, corrupts response or command CRCs, pretends the chip is absent or the
 * bus broken. Delays are virtual (added up, not slept). */
#ifndef ATECC_TEST_HAL_H
#define ATECC_TEST_HAL_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "moat/atecc.h"
#include "moat/atecc_emu.h"
#include "moat/atecc_locator.h"

typedef struct {
    bool over_socket; /* inner HAL: socket to moat-se (true) or in-process emulator */
    moat_atecc_hal inner;
    moat_emu *emu; /* the in-process emulator (NULL over the socket) */
    pid_t server;  /* the moat-se process over the socket */
    char dir[64];
    char image[96];
    char sock[96];
    uint64_t virtual_us;
    int nack_polls;    /* NACK this many upcoming count reads (chip busy) */
    bool nack_forever; /* NACK every count read */
    int corrupt_rsps;  /* flip a CRC bit in this many upcoming response bodies */
    int corrupt_cmds;  /* flip a CRC bit in this many upcoming command packets */
    bool absent;       /* NACK everything */
    bool broken;       /* every call fails as a bus error */
    bool expect_wake_read;
    int chip_crc_statuses; /* responses the emulator answered with status 0xFF */
    int wakes, writes, reads;
} test_hal;

static inline moat_atecc_hal_result th_wake(void *ctx)
{
    test_hal *t = ctx;
    if (t->broken)
        return MOAT_ATECC_HAL_ERROR;
    t->wakes++;
    t->expect_wake_read = true;
    return t->inner.wake(t->inner.ctx);
}

static inline moat_atecc_hal_result th_write(void *ctx, uint8_t addr7, const uint8_t *bytes, size_t len)
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
    return t->inner.write(t->inner.ctx, addr7, copy, len);
}

static inline moat_atecc_hal_result th_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
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
    moat_atecc_hal_result r = t->inner.read(t->inner.ctx, addr7, buf, len);
    if (r != MOAT_ATECC_HAL_ACK)
        return r;
    if (!wake_read && len == 3 && buf[0] == MOAT_ATECC_STATUS_CRC)
        t->chip_crc_statuses++;
    if (!wake_read && len > 1 && t->corrupt_rsps > 0) {
        t->corrupt_rsps--;
        buf[len - 1] ^= 0x01;
    }
    return MOAT_ATECC_HAL_ACK;
}

static inline void th_delay(void *ctx, uint32_t us)
{
    ((test_hal *)ctx)->virtual_us += us;
}

static inline const char *th_last_error(void *ctx)
{
    test_hal *t = ctx;
    if (t->broken)
        return "test bus broken";
    return t->inner.last_error ? t->inner.last_error(t->inner.ctx) : "";
}

/* Starts `$MOAT_BUILD_DIR/moat-se --socket S --image I` and waits for its socket. */
static inline void th_start_server(test_hal *t)
{
    const char *build = getenv("MOAT_BUILD_DIR");
    char prog[512];
    snprintf(prog, sizeof prog, "%s/moat-se", build ? build : ".");
    unlink(t->sock);
    t->server = fork();
    if (t->server == 0) {
        if (!freopen("/dev/null", "w", stderr))
            _exit(126);
        execl(prog, "moat-se", "--socket", t->sock, "--image", t->image, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 400 && access(t->sock, F_OK) != 0; i++)
        usleep(10000);
    char err[256];
    if (moat_atecc_hal_unix_open(t->sock, &t->inner, err, sizeof err) != 0) {
        fprintf(stderr, "cannot reach %s (set MOAT_BUILD_DIR to where moat-se is): %s\n", prog,
                err);
        abort();
    }
}

static inline void th_stop_server(test_hal *t)
{
    moat_atecc_hal_unix_close(&t->inner);
    kill(t->server, SIGTERM);
    waitpid(t->server, NULL, 0);
}

static inline void th_open_inner(test_hal *t)
{
    if (t->over_socket) {
        th_start_server(t);
        return;
    }
    char err[256];
    if (moat_atecc_hal_emu_open(t->image, &t->inner, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    t->emu = t->inner.ctx;
}

static inline void th_close_inner(test_hal *t)
{
    if (t->over_socket)
        th_stop_server(t);
    else
        moat_atecc_hal_emu_close(&t->inner);
    t->emu = NULL;
}

/* A fresh chip (new image in a new temp directory), `dev` bound to it at 0x60. */
static inline void th_open(test_hal *t, moat_atecc *dev, bool over_socket)
{
    memset(t, 0, sizeof *t);
    t->over_socket = over_socket;
    snprintf(t->dir, sizeof t->dir, "/tmp/moat-atecc-XXXXXX");
    if (!mkdtemp(t->dir))
        abort();
    snprintf(t->image, sizeof t->image, "%s/se.img", t->dir);
    snprintf(t->sock, sizeof t->sock, "%s/se.sock", t->dir);
    th_open_inner(t);
    moat_atecc_hal hal = {t, th_wake, th_write, th_read, th_delay, th_last_error};
    moat_atecc_init(dev, &hal, 0x60);
}

/* Closes and reopens the same image (a power cycle; over the socket: a moat-se restart). */
static inline void th_reopen(test_hal *t)
{
    th_close_inner(t);
    th_open_inner(t);
}

static inline void th_close(test_hal *t)
{
    th_close_inner(t);
    unlink(t->image);
    unlink(t->sock);
    rmdir(t->dir);
}

#endif
