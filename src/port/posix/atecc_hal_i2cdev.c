/* atecc_hal_i2cdev.c - the I2C HAL over Linux i2c-dev (/dev/i2c-N): one read()/write() per
 * transaction after an I2C_SLAVE ioctl; the wake is a write to the general-call address 0. */
#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "moat/atecc_locator.h"
#include "port/posix/hal_delay.h"

typedef struct {
    int fd;
    int addr; /* address currently selected with I2C_SLAVE, -1 none */
    char path[64];
    char err[256];
} i2c_ctx;

static moat_atecc_hal_result fail(i2c_ctx *c, const char *what, int e)
{
    snprintf(c->err, sizeof c->err, "%s: %s: %s", c->path, what, strerror(e));
    return MOAT_ATECC_HAL_ERROR;
}

static moat_atecc_hal_result select_addr(i2c_ctx *c, uint8_t addr7)
{
    if (c->addr == addr7)
        return MOAT_ATECC_HAL_ACK;
    if (ioctl(c->fd, I2C_SLAVE, (unsigned long)addr7) < 0) {
        int e = errno;
        if (e == EBUSY) {
            snprintf(c->err, sizeof c->err,
                     "%s: address 0x%02X is claimed by a kernel driver (unbind it first)", c->path,
                     addr7);
            return MOAT_ATECC_HAL_ERROR;
        }
        return fail(c, "I2C_SLAVE ioctl failed", e);
    }
    c->addr = addr7;
    return MOAT_ATECC_HAL_ACK;
}

/* The adapter reports a missing ACK as ENXIO or EREMOTEIO (driver dependent), sometimes
 * EIO: all are a NACK to the driver, which retries or polls. */
static bool is_nack(int e)
{
    return e == ENXIO || e == EREMOTEIO || e == EIO || e == EAGAIN || e == ETIMEDOUT;
}

static moat_atecc_hal_result i_write(void *ctx, uint8_t addr7, const uint8_t *bytes, size_t len)
{
    i2c_ctx *c = ctx;
    moat_atecc_hal_result r = select_addr(c, addr7);
    if (r != MOAT_ATECC_HAL_ACK)
        return r;
    ssize_t n = write(c->fd, bytes, len);
    if (n == (ssize_t)len)
        return MOAT_ATECC_HAL_ACK;
    if (n < 0 && !is_nack(errno))
        return fail(c, "write failed", errno);
    return MOAT_ATECC_HAL_NACK;
}

static moat_atecc_hal_result i_read(void *ctx, uint8_t addr7, uint8_t *buf, size_t len)
{
    i2c_ctx *c = ctx;
    moat_atecc_hal_result r = select_addr(c, addr7);
    if (r != MOAT_ATECC_HAL_ACK)
        return r;
    ssize_t n = read(c->fd, buf, len);
    if (n == (ssize_t)len)
        return MOAT_ATECC_HAL_ACK;
    if (n < 0 && !is_nack(errno))
        return fail(c, "read failed", errno);
    return MOAT_ATECC_HAL_NACK;
}

/* SDA must stay low >= 60 us: the address byte 0x00 does that at 100 kHz (8 bit times =
 * 80 us). i2c-dev cannot change the bus speed; at 400 kHz the pulse is too short (set the
 * bus to 100 kHz, e.g. dtparam=i2c_arm_baudrate=100000 on a Raspberry Pi). Nobody ACKs
 * address 0, so the write's result is ignored. */
static moat_atecc_hal_result i_wake(void *ctx)
{
    i2c_ctx *c = ctx;
    if (select_addr(c, 0x00) != MOAT_ATECC_HAL_ACK)
        return MOAT_ATECC_HAL_ERROR;
    uint8_t zero = 0x00;
    (void)!write(c->fd, &zero, 1);
    return MOAT_ATECC_HAL_ACK;
}

static const char *i_last_error(void *ctx)
{
    return ((i2c_ctx *)ctx)->err;
}

int moat_atecc_hal_i2cdev_open(const char *path, moat_atecc_hal *hal, char *err, size_t cap)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, cap, "cannot open %s: %s%s", path, strerror(e),
                 e == ENOENT   ? " (is the bus enabled and i2c-dev loaded? `modprobe i2c-dev`)"
                 : e == EACCES ? " (add yourself to the i2c group or run as root)"
                               : "");
        return -1;
    }
    i2c_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        snprintf(err, cap, "out of memory");
        return -1;
    }
    c->fd = fd;
    c->addr = -1;
    snprintf(c->path, sizeof c->path, "%s", path);
    *hal = (moat_atecc_hal){c, i_wake, i_write, i_read, moat_posix_hal_delay_us, i_last_error};
    return 0;
}

void moat_atecc_hal_i2cdev_close(moat_atecc_hal *hal)
{
    if (hal && hal->ctx) {
        i2c_ctx *c = hal->ctx;
        close(c->fd);
        free(c);
        hal->ctx = NULL;
    }
}
